"""The instant a meeting starts, from a date and time given by a person or a program.

One rule for the API, the web forms and the pipeline: a start is an aware date-time (an
instant) or a local wall time in the meeting's zone (a time in a DST gap moves forward,
an ambiguous one takes its first occurrence), and it lies in the range of meeting times
(`convener.timeplan.bounds`: from 2000-01-01 to 10 years after now).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from convener.timeplan import resolve_local, start_problem, wall_problem


class StartOutOfRange(ValueError):
    """The start cannot be a meeting's; the message says why, for people."""


def start_instant(value: datetime, zone: str, now: datetime) -> tuple[datetime, str]:
    """The start as a UTC instant, and a note when a DST gap or fold moved it ("" if
    not). `zone` must be a known IANA zone. Raises StartOutOfRange."""
    now_ts = int(now.timestamp())
    # Year 1 or 9999 would overflow in the conversion itself: look at the fields first.
    problem = wall_problem(value, now_ts)
    if problem is None:
        if value.tzinfo is not None and value.utcoffset() is not None:
            instant, note = value.astimezone(UTC), ""
        else:
            resolved = resolve_local(value, ZoneInfo(zone))
            instant, note = datetime.fromtimestamp(resolved.ts, UTC), "; ".join(resolved.notes)
        problem = start_problem(int(instant.timestamp()), now_ts)
    if problem is not None:
        raise StartOutOfRange(problem)
    return instant, note
