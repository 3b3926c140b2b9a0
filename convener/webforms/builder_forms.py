"""The builder's forms: a web form's settings and actions, and one of its fields."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.text import slugify

from convener.crm.models import CustomField
from convener.intake.values import EMAIL, Target, targets
from convener.meetings.models import MeetingAction
from convener.segments import permissions as segment_permissions
from convener.segments.models import Segment
from convener.webforms.models import FieldKind, FormField, WebForm
from convener.webforms.public_form import RESERVED_PREFIX

# Which contact fields each kind of form field may fill: the visitor's text must read as
# the contact field's kind (a date picker fills a date field, a checkbox a yes/no field).
# A hidden field carries a fixed value, so it may fill any.
_CUSTOM_KINDS_BY_FIELD = {
    FieldKind.TEXT: {CustomField.Kind.TEXT, CustomField.Kind.NUMBER, CustomField.Kind.CHOICE},
    FieldKind.TEXTAREA: {CustomField.Kind.TEXT},
    FieldKind.PHONE: {CustomField.Kind.TEXT},
    FieldKind.EMAIL: {CustomField.Kind.TEXT},
    FieldKind.SELECT: {CustomField.Kind.CHOICE, CustomField.Kind.TEXT, CustomField.Kind.NUMBER},
    FieldKind.CHECKBOX: {CustomField.Kind.BOOLEAN},
    FieldKind.DATE: {CustomField.Kind.DATE},
    FieldKind.DATETIME: {CustomField.Kind.DATETIME},
}
_TEXT_KINDS = {FieldKind.TEXT, FieldKind.SELECT, FieldKind.HIDDEN}


def mismatch(kind: str, target: Target) -> str:
    """Why a field of `kind` cannot fill `target`, or ""."""
    if kind == FieldKind.HIDDEN and target.key != EMAIL:
        return ""
    if target.key == EMAIL:
        return "" if kind == FieldKind.EMAIL else "The email address needs an Email field."
    if target.is_custom:
        allowed = _CUSTOM_KINDS_BY_FIELD.get(FieldKind(kind), set())
        if target.kind in allowed:
            return ""
        return (
            f"“{target.label}” holds a {CustomField.Kind(target.kind).label.lower()}: "
            f"a {FieldKind(kind).label.lower()} field cannot fill it."
        )
    return "" if kind in _TEXT_KINDS else f"“{target.label}” needs a text or choice field."


class WebFormForm(forms.ModelForm[WebForm]):
    redirect_url = forms.URLField(
        label="Or send visitors to this address",
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text="Instead of the thank-you message (for instance your own thank-you page). "
        "A submission that got no meeting still shows the honest message.",
    )

    class Meta:
        model = WebForm
        fields = [
            "name",
            "title",
            "introduction",
            "submit_label",
            "thank_you_message",
            "redirect_url",
            "published",
            "detect_browser_timezone",
            "action",
            "segment",
            "notify_owner",
        ]
        labels = {
            "name": "Name",
            "title": "Heading on the page",
            "introduction": "Text above the fields",
            "submit_label": "Button label",
            "thank_you_message": "Thank-you message",
            "redirect_url": "Or send visitors to this address",
            "published": "Published: visitors can open and send it",
            "detect_browser_timezone": "Use the visitor's browser time zone",
            "action": "Schedule Online Meeting with the action",
            "segment": "Add the contact to the static segment",
            "notify_owner": "Email the contact's owner about each submission",
        }
        help_texts = {
            "title": "Leave empty to show the name.",
            "redirect_url": "Instead of the thank-you message (for instance your own "
            "thank-you page). A submission that got no meeting still shows the honest "
            "message.",
            "detect_browser_timezone": "The zone the visitor's browser reports comes first in "
            "the action's zone chain, when the action's chain starts with the browser.",
            "notify_owner": "Sent when Convener has an SMTP server; the submissions page "
            "lists every submission either way.",
        }
        widgets = {
            "introduction": forms.Textarea(attrs={"rows": 3}),
            "thank_you_message": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action_field = cast(forms.ModelChoiceField, self.fields["action"])  # type: ignore[type-arg]
        action_field.queryset = MeetingAction.objects.order_by("name")
        action_field.empty_label = "No meeting"
        statics = Segment.objects.filter(kind=Segment.Kind.STATIC).order_by("name")
        allowed = [s.pk for s in statics if segment_permissions.may_change(user, s)]
        current = self.instance.segment_id if self.instance else None
        segment_field = cast(forms.ModelChoiceField, self.fields["segment"])  # type: ignore[type-arg]
        segment_field.queryset = Segment.objects.filter(
            pk__in=[*allowed, *([current] if current else [])]
        ).order_by("name")
        segment_field.empty_label = "No segment"
        self.fields["segment"].help_text = "Your own static segments (any, for administrators)."


def target_choices() -> list[tuple[str, str]]:
    return [("", "Keep with the submission only")] + [(t.key, t.label) for t in targets()]


class FormFieldForm(forms.ModelForm[FormField]):
    choices_text = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For a choice list: one option a line.",
    )

    class Meta:
        model = FormField
        fields = [
            "label",
            "kind",
            "required",
            "target",
            "help_text",
            "key",
            "max_length",
            "pattern",
            "pattern_message",
            "default",
        ]
        labels = {
            "kind": "Kind",
            "required": "Required",
            "target": "Fills the contact field",
            "help_text": "Help text",
            "key": "Key",
            "max_length": "Longest answer (characters)",
            "pattern": "Must match (regular expression)",
            "pattern_message": "Message when it does not match",
            "default": "Value of a hidden field",
        }
        help_texts = {
            "key": "The input's name, and the column in the CSV export. Made from the label "
            "when left empty.",
            "target": "Where the answer goes on the contact. A custom date or date-and-time "
            "field can feed the meeting action's timing.",
            "default": "A hidden field sends this value (a page's address in the embed "
            "snippet's query string can set it instead).",
        }

    def __init__(self, *args: Any, web_form: WebForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.web_form = web_form
        self.fields["key"].required = False
        self.fields["target"] = forms.ChoiceField(
            label="Fills the contact field",
            choices=target_choices(),
            required=False,
            help_text=self.Meta.help_texts["target"],
        )
        if self.instance.pk:
            self.fields["choices_text"].initial = "\n".join(self.instance.choices or [])

    def clean_key(self) -> str:
        key = self.cleaned_data.get("key") or slugify(self.cleaned_data.get("label", ""))
        key = key.replace("-", "_")[:64] or "field"
        if key.startswith(RESERVED_PREFIX):
            raise forms.ValidationError(f"A key may not start with “{RESERVED_PREFIX}”.")
        taken = FormField.objects.filter(form=self.web_form, key=key).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"Another field of this form has the key “{key}”.")
        return key

    def clean_pattern(self) -> str:
        pattern = self.cleaned_data.get("pattern", "")
        if pattern:
            try:
                re.compile(pattern)
            except re.error as error:
                raise forms.ValidationError(f"This is not a regular expression: {error}.") from None
        return str(pattern)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        options = [line.strip() for line in cleaned.get("choices_text", "").splitlines()]
        cleaned["choices"] = [o for o in options if o]
        if kind == FieldKind.SELECT and not cleaned["choices"]:
            self.add_error("choices_text", "A choice list needs at least one option.")
        target_key = cleaned.get("target") or ""
        target = next((t for t in targets() if t.key == target_key), None)
        if kind and target is not None and (problem := mismatch(kind, target)):
            self.add_error("target", problem)
        if target_key:
            taken = FormField.objects.filter(form=self.web_form, target=target_key).exclude(
                pk=self.instance.pk
            )
            if taken.exists():
                self.add_error("target", "Another field of this form already fills it.")
        return cleaned

    def save(self, commit: bool = True) -> FormField:
        field: FormField = super().save(commit=False)
        field.form = self.web_form
        field.choices = self.cleaned_data.get("choices", [])
        if commit:
            field.save()
        return field
