"""Form fields used across the web interface."""

from __future__ import annotations

from typing import Any

from django import forms

from convener.timezones import validate_city_zone


class TimezoneInput(forms.TextInput):
    """A text input backed by the datalist of `{% zone_datalist %}` (rendered by each form's
    template); static/web/zone-picker.js makes it a searchable list."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            {"list": "iana-zones", "autocomplete": "off", "data-zone-picker": "", **(attrs or {})}
        )


def timezone_field(*, required: bool = True, label: str = "Time zone") -> forms.CharField:
    """A city zone or UTC. An abbreviation or an old alias (EST, US/Eastern) is refused
    with the city zone it most likely means, as the API and the CSV import say it."""
    return forms.CharField(
        max_length=64,
        required=required,
        label=label,
        widget=TimezoneInput(),
        validators=[validate_city_zone],
    )
