"""IANA time zones as Convener accepts them from people and from settings."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError

from convener.timeplan.zones import known_zone_names


def is_iana_zone(name: object) -> bool:
    """Whether `name` is a zone of the tz database. A lookup in the list of names, never
    `ZoneInfo(name)` on what a person typed: that opens a file named after the input, and
    a folder ("Europe") or an overlong name raises OSError instead of saying no."""
    return isinstance(name, str) and name in known_zone_names()


def validate_timezone(value: str) -> None:
    if value and not is_iana_zone(value):
        raise ValidationError(
            "%(value)s is not a time zone; use an IANA name such as Europe/Berlin",
            code="invalid_timezone",
            params={"value": value},
        )


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name, sorted, without the legacy aliases nobody should pick."""
    names = sorted(
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posixrules"))
    )
    return (*names, "UTC")
