"""IANA time zones as Convener accepts them from people and from settings."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError


def is_iana_zone(name: str) -> bool:
    if not name or name != name.strip():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


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
