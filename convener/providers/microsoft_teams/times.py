"""Graph's dateTimeTimeZone values: what we send, and reading what comes back.

We send each meeting in the zone it was planned in, as a wall time without offset plus
the IANA zone name. Graph accepts IANA names as well as Windows ones
(https://learn.microsoft.com/graph/api/resources/datetimetimezone), and using the
planned zone means Outlook shows the organizer the time they chose and keeps the meeting
at that wall time across DST changes. Two cases fall back to UTC, which is exact but
shows less nicely: a zone Python does not know, and the second occurrence of an
ambiguous wall time (the hour repeated when DST ends), which a wall time cannot express.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC_NAME = "UTC"


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _wall(moment: datetime) -> str:
    return moment.replace(tzinfo=None, microsecond=0).isoformat(timespec="seconds")


def graph_time(instant: datetime, zone_name: str, *, force_utc: bool = False) -> dict[str, str]:
    """`{"dateTime": local wall time, "timeZone": IANA name}` for an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    zone = None if force_utc or zone_name.upper() == UTC_NAME else _zone(zone_name)
    if zone is not None:
        local = instant.astimezone(zone)
        # fold=1 marks the second pass through a repeated hour: as a bare wall time
        # Graph would read it as the first pass, an hour early.
        if local.fold == 0:
            return {"dateTime": _wall(local), "timeZone": zone_name}
    return {"dateTime": _wall(instant.astimezone(UTC)), "timeZone": UTC_NAME}


def utc_time(instant: datetime) -> dict[str, str]:
    return graph_time(instant, UTC_NAME, force_utc=True)


def parse_graph_time(value: Any) -> datetime | None:
    """An aware UTC datetime from `{"dateTime": "2019-03-15T12:00:00.0000000", "timeZone"}`,
    or None when the value is not one. Graph sends seven fractional digits."""
    if not isinstance(value, dict):
        return None
    text, zone_name = value.get("dateTime"), value.get("timeZone") or UTC_NAME
    if not isinstance(text, str) or not isinstance(zone_name, str):
        return None
    head, dot, fraction = text.strip().removesuffix("Z").partition(".")
    try:
        moment = datetime.fromisoformat(head)
    except ValueError:
        return None
    if dot and fraction.isdigit():
        moment += timedelta(microseconds=int(fraction[:6].ljust(6, "0")))
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    zone = UTC if zone_name.upper() in {UTC_NAME, "ETC/UTC", "GMT"} else _zone(zone_name)
    if zone is None:
        return None
    return moment.replace(tzinfo=zone).astimezone(UTC)
