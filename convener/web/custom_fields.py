"""A contact's custom fields in the contact form: one typed input per CustomField (a date
picker for a date, a number box for a number, a list for a choice …), each error naming
its field, and the values written back as convener.crm.fields stores them.

A form field is named `field_<key>`; an input value the field cannot read gets the
message "<label>: … is not a date, like 2026-12-03", next to the input.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from convener.crm.fields import TEXT_LENGTH, BadValue, clean_value
from convener.crm.models import CustomField

PREFIX = "field_"
NO_LONGER_OFFERED = "(no longer offered)"


class CustomValueField(forms.Field):
    """One custom field's input, cleaned to the value stored for it (None: no value).

    An input sent back as it was shown keeps the stored value as it is: a date-time
    with an offset the input cannot show, or a choice no longer offered, is not lost
    by saving the contact for another reason."""

    def __init__(self, custom: CustomField, stored: Any, shown: str, **kwargs: Any) -> None:
        self.custom, self.stored, self.shown = custom, stored, shown
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", custom.label)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if self.stored is not None and value == self.shown:
            return self.stored
        try:
            return clean_value(self.custom.kind, value, self.custom.choices or [])
        except BadValue as exc:
            shown = str(value)[:60]
            raise ValidationError(
                f"{self.custom.label}: “{shown}” is not {exc}.", code="invalid"
            ) from None


def _shown(kind: str, stored: Any) -> str:
    """A stored value as its input shows it."""
    if stored is None:
        return ""
    if isinstance(stored, bool):
        return "true" if stored else "false"
    if kind == CustomField.Kind.DATETIME:
        # A datetime-local input shows a wall time to the minute.
        try:
            moment = datetime.fromisoformat(str(stored).replace("Z", "+00:00"))
        except ValueError:
            return str(stored)
        return moment.strftime("%Y-%m-%dT%H:%M")
    return str(stored)


def _widget(custom: CustomField, stored: Any) -> forms.Widget:
    kind = custom.kind
    if kind == CustomField.Kind.NUMBER:
        return forms.NumberInput(attrs={"step": "any"})
    if kind == CustomField.Kind.DATE:
        return forms.TextInput(attrs={"type": "date"})
    if kind == CustomField.Kind.DATETIME:
        return forms.TextInput(attrs={"type": "datetime-local"})
    if kind == CustomField.Kind.CHOICE:
        offered = list(custom.choices or [])
        choices = [("", "—")] + [(c, c) for c in offered]
        if stored is not None and str(stored) not in offered:
            # A value saved before the choices changed stays until someone changes it.
            choices.append((str(stored), f"{stored} {NO_LONGER_OFFERED}"))
        return forms.Select(choices=choices)
    if kind == CustomField.Kind.BOOLEAN:
        return forms.Select(choices=[("", "—"), ("true", "Yes"), ("false", "No")])
    return forms.TextInput(attrs={"maxlength": TEXT_LENGTH})


def form_field(custom: CustomField, stored: Any) -> tuple[forms.Field, str]:
    """The form field for `custom`, and what its input shows for `stored`."""
    shown = _shown(custom.kind, stored)
    help_text = custom.help_text
    if custom.kind == CustomField.Kind.DATETIME:
        help_text = f"{help_text} In the contact's time zone (when it is known).".strip()
    field = CustomValueField(custom, stored, shown, widget=_widget(custom, stored))
    field.help_text = help_text
    return field, shown


class ContactFieldsMixin(forms.BaseForm):
    """Adds the custom fields to a contact form; `custom_values()` gives the contact's
    `fields` after a valid submit."""

    def add_custom_fields(self, stored: dict[str, Any]) -> None:
        self._stored = dict(stored or {})
        self._customs = list(CustomField.objects.all())
        for custom in self._customs:
            field, shown = form_field(custom, self._stored.get(custom.key))
            self.fields[PREFIX + custom.key] = field
            self.initial[PREFIX + custom.key] = shown

    def custom_bound_fields(self) -> list[forms.BoundField]:
        return [self[PREFIX + custom.key] for custom in self._customs]

    def custom_values(self) -> dict[str, Any]:
        """The contact's `fields` with the inputs applied; values of fields no longer
        defined are kept."""
        values = dict(self._stored)
        for custom in self._customs:
            cleaned = self.cleaned_data.get(PREFIX + custom.key)
            if cleaned is None:
                values.pop(custom.key, None)
            else:
                values[custom.key] = cleaned
        return values


def _readable(kind: str, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    try:
        if kind == CustomField.Kind.DATE:
            day = date.fromisoformat(str(value))
            return f"{day:%a} {day.day} {day:%b %Y}"
        if kind == CustomField.Kind.DATETIME:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            text = f"{moment:%a} {moment.day} {moment:%b %Y}, {moment:%H:%M}"
            return f"{text} ({moment:%Z})" if moment.tzinfo else text
    except ValueError:
        pass
    return str(value)


def facts(values: dict[str, Any]) -> list[tuple[str, str]]:
    """A contact's custom field values as (label, readable value), in the fields' order;
    values of fields no longer defined come last, under their key."""
    values = dict(values or {})
    shown: list[tuple[str, str]] = []
    for custom in CustomField.objects.all():
        if custom.key in values:
            shown.append((custom.label, _readable(custom.kind, values.pop(custom.key))))
    shown += [(key, str(value)) for key, value in values.items()]
    return shown
