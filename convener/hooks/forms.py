"""The webhook form and its mapping editor: rows of "payload path → contact field"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from convener.hooks.models import Webhook
from convener.hooks.payload import parts
from convener.hooks.signing import SCHEMES
from convener.intake.values import EMAIL, targets
from convener.meetings.models import MeetingAction
from convener.team.models import User

PATH_MAX = 300


class WebhookForm(forms.ModelForm):  # type: ignore[type-arg]
    secret = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        label="Signing secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty and Convener makes one, shown once. Paste the sender's own "
        "secret when it has one: the HubSpot app's client secret, the Mautic webhook's secret.",
    )

    class Meta:
        model = Webhook
        fields = ["name", "action", "preset", "signature_header", "event_id_path", "default_owner"]
        labels = {
            "action": "Meeting action",
            "preset": "Sender",
            "signature_header": "Signature header",
            "event_id_path": "Event id path",
            "default_owner": "Owner of new contacts",
        }
        help_texts = {
            "signature_header": "The header that carries the signature; "
            "the sender's preset fills it in.",
            "event_id_path": "Where the payload holds the sender's event id, e.g. id or event.id. "
            "An Idempotency-Key header wins; without either, the same body is the same event.",
            "default_owner": "When the payload names no owner. Empty: you.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = MeetingAction.objects.order_by("name")  # type: ignore[attr-defined]
        self.fields["default_owner"].queryset = User.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "username"
        )
        self.fields["default_owner"].empty_label = "Me"  # type: ignore[attr-defined]
        self.fields["signature_header"].required = False
        self.fields["event_id_path"].required = False
        if self.instance.pk is not None:
            self.fields["secret"].help_text = "Leave empty to keep the current secret."

    def clean_signature_header(self) -> str:
        header = str(self.cleaned_data.get("signature_header") or "").strip()
        if header and not all(c.isalnum() or c == "-" for c in header):
            raise ValidationError("A header name has letters, digits and dashes only.")
        return header

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        preset = data.get("preset")
        header = data.get("signature_header")
        defaults = {scheme.header for scheme in SCHEMES.values()}
        # Another sender chosen: its own header, unless a header of one's own was typed.
        if preset in SCHEMES and (not header or header in defaults):
            data["signature_header"] = SCHEMES[preset].header
        return data


def target_choices() -> list[tuple[str, str]]:
    return [("", "— not used —"), *((t.key, t.label) for t in targets())]


class MappingRowForm(forms.Form):
    path = forms.CharField(
        required=False,
        max_length=PATH_MAX,
        label="Payload path",
        widget=forms.TextInput(
            attrs={
                "placeholder": "path.in.payload",
                "spellcheck": "false",
                "aria-label": "Payload path",
            }
        ),
    )
    target = forms.ChoiceField(
        required=False,
        label="Contact field",
        choices=(),
        widget=forms.Select(attrs={"aria-label": "Contact field"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = target_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        path, target = data.get("path", ""), data.get("target", "")
        if path and not target:
            self.add_error("target", "Choose the contact field this path fills.")
        if target and not path:
            self.add_error("path", "Give the payload path of this field.")
        if path and not parts(path):
            self.add_error("path", "A path names keys joined by dots, such as contact.email.")
        return data


class BaseMappingFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            target = form.cleaned_data.get("target")
            if not target:
                continue
            if target in seen:
                form.add_error("target", "Another row already fills this field.")
            seen.add(target)
        if EMAIL not in seen:
            raise ValidationError("Map a payload path to Email: every contact needs one.")

    def rows(self) -> list[dict[str, str]]:
        return [
            {"path": f.cleaned_data["path"].strip(), "target": f.cleaned_data["target"]}
            for f in self.forms
            if f.cleaned_data.get("target")
        ]


MappingFormSet = forms.formset_factory(
    MappingRowForm, formset=BaseMappingFormSet, extra=3, max_num=40, validate_max=True
)


class TryForm(forms.Form):
    sample = forms.CharField(
        label="Sample payload (JSON)",
        max_length=64 * 1024,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
