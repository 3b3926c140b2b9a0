"""IANA time zones as Convener accepts them from people and from settings."""

from __future__ import annotations

from functools import cache
from importlib import resources
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


def validate_city_zone(value: str) -> None:
    """The check of a zone a person types in a form or sends to the API: a city zone or
    UTC, with the hint to the city zone when they wrote an abbreviation or an old alias
    (the same words as the CSV import's). Values stored before stay readable: the models
    keep the looser `validate_timezone`, and only what is typed again must be a city."""
    if value and (refusal := zone_refusal(value)):
        raise ValidationError(refusal, code="invalid_timezone")


@cache
def picker_zone_names() -> tuple[str, ...]:
    """The zones a person picks from: one per place of the tz database's zone.tab (the
    canonical names, Asia/Kolkata and not its alias Asia/Calcutta), sorted, then UTC.
    Every one of them is also a name `zone_refusal` accepts."""
    try:
        table = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover (tzdata is required)
        return timezone_names()
    accepted = _city_zones()
    names = {
        columns[2]
        for line in table.splitlines()
        if line
        and not line.startswith("#")
        and len(columns := line.split("\t")) >= 3
        and columns[2] in accepted
    }
    return (*sorted(names), "UTC")


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name, sorted, without the legacy aliases nobody should pick."""
    names = sorted(
        name
        for name in available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posixrules"))
    )
    return (*names, "UTC")


# What people write for a zone in a spreadsheet, and the city zone they most likely mean.
# The tz database knows some of these names (EST, CET, US/Eastern), but as fixed offsets
# or rules without a place: EST never moves to daylight saving time, so a contact in New
# York written as EST would be an hour off all summer.
_CITY_FOR_ABBREVIATION = {
    **dict.fromkeys(("EST", "EDT", "ET", "EST5EDT", "US/EASTERN"), "America/New_York"),
    **dict.fromkeys(("CST", "CDT", "CT", "CST6CDT", "US/CENTRAL"), "America/Chicago"),
    **dict.fromkeys(("MST", "MDT", "MT", "MST7MDT", "US/MOUNTAIN"), "America/Denver"),
    **dict.fromkeys(("PST", "PDT", "PT", "PST8PDT", "US/PACIFIC"), "America/Los_Angeles"),
    **dict.fromkeys(("AKST", "AKDT", "US/ALASKA"), "America/Anchorage"),
    **dict.fromkeys(("HST", "US/HAWAII"), "Pacific/Honolulu"),
    "US/ARIZONA": "America/Phoenix",
    **dict.fromkeys(("GMT", "BST", "GB", "GMT0", "GREENWICH"), "Europe/London"),
    **dict.fromkeys(("WET", "WEST"), "Europe/Lisbon"),
    **dict.fromkeys(("CET", "CEST", "MET", "MEST"), "Europe/Paris"),
    **dict.fromkeys(("EET", "EEST"), "Europe/Athens"),
    "MSK": "Europe/Moscow",
    "IST": "Asia/Kolkata",
    **dict.fromkeys(("JST", "JAPAN"), "Asia/Tokyo"),
    "KST": "Asia/Seoul",
    "HKT": "Asia/Hong_Kong",
    "SGT": "Asia/Singapore",
    **dict.fromkeys(("AEST", "AEDT"), "Australia/Sydney"),
    "ACST": "Australia/Adelaide",
    "AWST": "Australia/Perth",
    **dict.fromkeys(("NZST", "NZDT", "NZ"), "Pacific/Auckland"),
    "BRT": "America/Sao_Paulo",
}
_UTC_ALIASES = frozenset(
    ("Z", "UCT", "ZULU", "UNIVERSAL", "ETC/UTC", "ETC/UCT", "ETC/ZULU", "ETC/UNIVERSAL")
)


@cache
def _city_zones() -> frozenset[str]:
    return frozenset(timezone_names())


@cache
def _city_zones_by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in timezone_names()}


def zone_refusal(value: str) -> str:
    """Why `value` is not a zone Convener takes from people's files: a city zone of the tz
    database such as Europe/Paris, or UTC. "" when it is one. An abbreviation or an old
    alias is refused with the city zone it most likely means, and a name in the wrong
    letter case with the right spelling."""
    if value in _city_zones():
        return ""
    if value.strip().upper() in _UTC_ALIASES:
        return f"{value} is another name of UTC; write UTC"
    city = _CITY_FOR_ABBREVIATION.get(value.strip().upper())
    if city and "/" in value:
        return f"{value} is an old alias; use a city zone such as {city}"
    if city:
        return (
            f"{value} is an abbreviation, not a place; use a city zone such as {city}, "
            "which follows that place's daylight saving time"
        )
    spelled = _city_zones_by_folded_name().get(value.strip().casefold())
    if spelled:
        return f"{value} is not a time zone; did you mean {spelled}?"
    if is_iana_zone(value):
        return (
            f"{value} is an old alias of the tz database; use a city zone such as "
            "Europe/Berlin or America/New_York"
        )
    return f"{value} is not a time zone; use an IANA name such as Europe/Berlin"
