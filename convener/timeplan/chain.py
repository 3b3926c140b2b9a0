"""The time-zone chain: which zone a recipient's meeting is planned in, and which link gave it.

Links, in the order the SPEC lists them: ``browser`` (the zone the recipient's browser reported,
when captured), ``contact`` (the contact's saved zone), ``action`` (the zone chosen on the
action, ``timing.timezone``) and ``default`` (``default_timezone``). The first link with a
value that is a known IANA zone wins. A recipient-supplied value that is not a known zone is
passed over, and the meeting's notes say so; when no link gives a zone the recipient is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from .zones import load_zone

TimezoneSource = Literal["browser", "contact", "action", "default"]
NoZoneCode = Literal["unknown_timezone", "no_timezone"]
CHAIN_LINKS: tuple[TimezoneSource, ...] = ("browser", "contact", "action", "default")

_LINK_NAMES: dict[TimezoneSource, str] = {
    "browser": "browser time zone",
    "contact": "contact time zone",
    "action": "action time zone",
    "default": "default time zone",
}


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """The zone the chain gave and the link that gave it."""

    zone: ZoneInfo
    source: TimezoneSource
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NoZone:
    """The chain gave no zone, and why."""

    code: NoZoneCode
    reason: str


def choose_zone(
    chain: tuple[TimezoneSource, ...],
    *,
    browser: str | None,
    contact: str | None,
    action: str | None,
    default: str,
) -> ZoneChoice | NoZone:
    """Walk ``chain`` for one recipient. ``action`` is None when the action chose no zone."""
    values: dict[TimezoneSource, str | None] = {
        "browser": browser,
        "contact": contact,
        "action": action,
        "default": default,
    }
    passed_over: list[str] = []
    unknown: list[str] = []
    for link in chain:
        name = values[link]
        if name is None or not name.strip():
            continue
        zone = load_zone(name)
        if zone is None:
            unknown.append(name)
            passed_over.append(f"{_LINK_NAMES[link]} {name!r} is not a known IANA zone")
            continue
        notes = tuple(f"{text}; used the {_LINK_NAMES[link]}, {name}" for text in passed_over)
        return ZoneChoice(zone, link, notes)
    if unknown:
        return NoZone("unknown_timezone", f"unknown time zone: {unknown[0]}")
    links = ", ".join(chain)
    return NoZone("no_timezone", f"no time zone: none of the chain's links ({links}) is set")
