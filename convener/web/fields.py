"""Form fields used across the web interface."""

from __future__ import annotations

from typing import Any

from django import forms

from convener.timezones import validate_timezone


class TimezoneInput(forms.TextInput):
    """A text input backed by a datalist of every IANA zone (rendered once in base.html)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"list": "iana-zones", "autocomplete": "off", **(attrs or {})})


def timezone_field(*, required: bool = True, label: str = "Time zone") -> forms.CharField:
    return forms.CharField(
        max_length=64,
        required=required,
        label=label,
        widget=TimezoneInput(),
        validators=[validate_timezone],
    )
