"""The Django form a visitor fills: one input per form field, plus the render token, the
browser's zone and the honeypot.

Dates and datetimes are kept as the text the browser's date pickers send
("2026-03-31", "2026-03-31T14:30"), checked for being real: the meeting action reads a
date-and-time field in the visitor's zone through the action's zone chain, so it must
not be made aware here in the server's zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django import forms
from django.core.validators import RegexValidator

from convener.webforms.models import FieldKind, FormField, WebForm
from convener.webforms.public_inputs import PublicInputs

TOKEN = "cv_token"  # noqa: S105 (a field name, not a secret)
BROWSER_ZONE = "cv_tz"
# Hidden from people (off-screen, not focusable, announced as "leave empty"); a bot that
# fills every input fills it too.
HONEYPOT = "cv_homepage"
RESERVED_PREFIX = "cv_"

PHONE = RegexValidator(
    r"^\+?[0-9][0-9 ().\-/]{4,30}$",
    "Enter a phone number: digits and spaces, with + and the country code if abroad.",
)
# What a browser should fill in for each contact field (WCAG 1.3.5, input purpose).
AUTOCOMPLETE = {
    "email": "email",
    "first_name": "given-name",
    "last_name": "family-name",
    "company": "organization",
}


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise forms.ValidationError(
            "Enter a real date, such as 2026-03-31 (year, month, day)."
        ) from None


def _datetime(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise forms.ValidationError(
            "Enter a real date and time, such as 2026-03-31 14:30."
        ) from None
    return moment.isoformat(timespec="minutes")


class DateText(forms.CharField):
    def clean(self, value: Any) -> str:
        text = super().clean(value)
        return _date(text) if text else ""


class DateTimeText(forms.CharField):
    def clean(self, value: Any) -> str:
        text = super().clean(value).replace(" ", "T", 1)
        return _datetime(text) if text else ""


def _pattern(field: FormField) -> list[RegexValidator]:
    if not field.pattern:
        return []
    message = field.pattern_message or f"“{field.label}” is not in the expected form."
    return [RegexValidator(re.compile(field.pattern), message)]


def form_field(field: FormField) -> forms.Field:
    """The input for one field of the form, as the visitor sees it."""
    common: dict[str, Any] = {
        "label": field.label,
        "required": field.required,
        "help_text": field.help_text,
    }
    attrs: dict[str, str] = {}
    purpose = AUTOCOMPLETE.get(field.target)
    if purpose:
        attrs["autocomplete"] = purpose
    kind = field.kind
    if kind == FieldKind.EMAIL:
        attrs.setdefault("autocomplete", "email")
        return forms.EmailField(
            **common,
            max_length=field.max_length or 254,
            widget=forms.EmailInput(attrs=attrs),
            error_messages={"invalid": "Enter an email address, such as name@example.com."},
        )
    if kind == FieldKind.PHONE:
        attrs["autocomplete"] = "tel"
        return forms.CharField(
            **common,
            max_length=field.max_length or 40,
            validators=[PHONE, *_pattern(field)],
            widget=forms.TextInput(attrs={**attrs, "type": "tel"}),
        )
    if kind == FieldKind.TEXTAREA:
        return forms.CharField(
            **common,
            max_length=field.max_length or 5000,
            validators=_pattern(field),
            widget=forms.Textarea(attrs={**attrs, "rows": "4"}),
        )
    if kind == FieldKind.SELECT:
        options = [(str(option), str(option)) for option in field.choices or []]
        return forms.ChoiceField(
            **common,
            choices=[("", "Choose…"), *options],
            error_messages={"invalid_choice": "Choose one of the options in the list."},
        )
    if kind == FieldKind.CHECKBOX:
        return forms.BooleanField(**common)
    if kind == FieldKind.DATE:
        return DateText(**common, widget=forms.DateInput(attrs={**attrs, "type": "date"}))
    if kind == FieldKind.DATETIME:
        return DateTimeText(
            **common, widget=forms.DateTimeInput(attrs={**attrs, "type": "datetime-local"})
        )
    if kind == FieldKind.HIDDEN:
        return forms.CharField(
            label=field.label,
            required=False,
            max_length=field.max_length or 500,
            initial=field.default,
            widget=forms.HiddenInput,
        )
    return forms.CharField(
        **common,
        max_length=field.max_length or 200,
        validators=_pattern(field),
        widget=forms.TextInput(attrs=attrs),
    )


class PublicForm(forms.Form):
    """The visitor's form. Built per request from the form's fields."""

    default_renderer = PublicInputs()

    cv_token = forms.CharField(widget=forms.HiddenInput, required=False)
    cv_tz = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    cv_homepage = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, web_form: WebForm, fields: list[FormField], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.web_form = web_form
        self.form_fields = {field.key: field for field in fields}
        for field in fields:
            self.fields[field.key] = form_field(field)

    def visible_inputs(self) -> list[forms.BoundField]:
        return [self[key] for key, f in self.form_fields.items() if f.kind != FieldKind.HIDDEN]

    def hidden_inputs_of_fields(self) -> list[forms.BoundField]:
        return [self[key] for key, f in self.form_fields.items() if f.kind == FieldKind.HIDDEN]

    def sent_text(self) -> dict[str, str]:
        """What the visitor sent for each field, as text: kept with the submission even
        when it is refused as spam."""
        sent: dict[str, str] = {}
        for key, field in self.form_fields.items():
            if field.kind == FieldKind.CHECKBOX:
                sent[key] = "yes" if self.data.get(key) else "no"
            else:
                sent[key] = str(self.data.get(key, ""))[:5000]
        return sent

    def mark_errors(self) -> None:
        """Point each input with an error at its message, for screen readers."""
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                widget.attrs["aria-describedby"] = f"id_{name}_error"
