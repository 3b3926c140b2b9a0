"""The options of the time-zone picker: every canonical IANA zone with its UTC offset at
the moment the page is made, e.g. "Europe/Paris (UTC+01:00)".

The offset is the one in force now (Paris is UTC+02:00 in summer), so the list says what
a person would read on a clock there today; the zone itself, not the offset, is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from convener.timezones import picker_zone_names


@dataclass(frozen=True)
class ZoneOption:
    name: str  # the value saved: an IANA name
    offset: str  # "UTC+01:00"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.offset})"


def utc_offset(offset: timedelta | None) -> str:
    """UTC+05:30, UTC-03:00, UTC+00:00; a minus sign a keyboard can type, so that "-03"
    finds it."""
    seconds = int((offset or timedelta()).total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"UTC{sign}{hours:02d}:{rest // 60:02d}"


@cache
def _picker_zones() -> tuple[tuple[str, ZoneInfo], ...]:
    # Held here: ZoneInfo keeps only a few zones it made in its own cache, and reading
    # four hundred zone files again for every page with a zone field took 0.2 s.
    return tuple((name, ZoneInfo(name)) for name in picker_zone_names())


def zone_options(now: datetime) -> list[ZoneOption]:
    """Every zone of the picker with its offset at `now` (an aware instant)."""
    return [
        ZoneOption(name, utc_offset(now.astimezone(zone).utcoffset()))
        for name, zone in _picker_zones()
    ]
