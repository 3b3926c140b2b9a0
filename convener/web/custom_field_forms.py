"""The form of the custom field pages: label, key (fixed once the field exists), kind,
help text and, for a choice field, its choices one per line."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.text import slugify

from convener.crm.models import CHOICES_MAX, HELP_TEXT_MAX, CustomField
from convener.web.field_usage import holding_a_value

# A key is written in templates as {{ contact.fields.KEY }}: letters, digits and
# underscores, starting with a letter, or the template cannot name it.
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
KEY_MAX = 64


def key_from_label(label: str) -> str:
    key = slugify(label).replace("-", "_")
    key = re.sub(r"^[^a-z]+", "", key)
    return key[:KEY_MAX].rstrip("_")


class CustomFieldForm(forms.ModelForm):  # type: ignore[type-arg]
    key = forms.CharField(
        required=False,
        max_length=KEY_MAX,
        help_text=(
            "How the API, CSV imports and templates name the field, e.g. "
            "{{ contact.fields.renewal_date }}. Made from the label when left empty; "
            "it cannot change once the field exists."
        ),
    )
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For a field of the kind “Choice”: one choice per line, in the order shown.",
    )
    help_text = forms.CharField(
        required=False,
        max_length=HELP_TEXT_MAX,
        label="Help text",
        help_text="Shown under the field in the contact form.",
    )

    class Meta:
        model = CustomField
        fields = ["label", "key", "kind", "help_text", "choices"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["choices"] = "\n".join(self.instance.choices or [])
        self.fields["kind"].help_text = (
            "A choice field offers a list; yes/no, a date, a date and time and a number "
            "are checked as they are typed in."
        )
        if self.instance.pk:
            # The key is fixed: values, segment rules, templates and imports name it.
            del self.fields["key"]

    def clean_key(self) -> str:
        key = (self.cleaned_data.get("key") or "").strip()
        if not key:
            key = key_from_label(str(self.data.get("label", "")))
            if not key:
                raise forms.ValidationError(
                    "Give a key: the label has no letters to make one from."
                )
        if not KEY_PATTERN.match(key):
            raise forms.ValidationError(
                "Use lower-case letters, digits and underscores, starting with a letter "
                "(e.g. renewal_date)."
            )
        if CustomField.objects.filter(key=key).exists():
            raise forms.ValidationError(f"There is already a custom field with the key “{key}”.")
        return key

    def clean_choices(self) -> list[str]:
        lines = (self.cleaned_data.get("choices") or "").splitlines()
        choices = [line.strip() for line in lines if line.strip()]
        if len(choices) > CHOICES_MAX:
            raise forms.ValidationError(f"A choice field offers at most {CHOICES_MAX} choices.")
        return choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind != CustomField.Kind.CHOICE and data.get("choices"):
            # Choices typed for a kind without them would only be refused by the model:
            # dropped instead, since the kind says they do not apply.
            data["choices"] = []
            self.instance.choices = []
        original = CustomField.objects.filter(pk=self.instance.pk).first()
        if original is not None and kind and kind != original.kind:
            holding = holding_a_value(original)
            if holding:
                self.add_error(
                    "kind",
                    f"{holding} contact{'s have' if holding != 1 else ' has'} a value for "
                    f"“{original.label}”: its kind stays {original.get_kind_display()} while "
                    "contacts have values. Make a new field of the other kind instead.",
                )
        return data
