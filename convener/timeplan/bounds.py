"""The range of meeting times: from 2000-01-01 (UTC) to 10 years after now.

Every start Convener saves is inside it, whichever way it was asked for (planned by a
trigger, typed in the popup, sent to the API, moved by a reschedule), so that a start,
its end and its local time in any zone of the world are always dates Python can hold and
people can read. A meeting at 9999-12-31T23:00Z has no local date east of UTC: it would
break every page that shows it, for everyone there.

Two checks: ``wall_problem`` looks at a date-time's own fields before any conversion
(year 1 or 9999 would overflow while being converted), ``start_problem`` at the instant.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .zones import DAY, wall_seconds

# How long a meeting may last, for every trigger, the API, the pages and the planner.
SHORTEST_MEETING_MINUTES = 5
LONGEST_MEETING_MINUTES = 24 * 60

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
EARLIEST_TS = int(EARLIEST.timestamp())
YEARS_AHEAD = 10


def latest_start_ts(now_ts: int) -> int:
    """The last instant a meeting may start: the same date and time 10 years after now
    (UTC), or 28 February when now is a 29 February."""
    now = datetime.fromtimestamp(now_ts, UTC)
    try:
        later = now.replace(year=now.year + YEARS_AHEAD)
    except ValueError:
        later = now.replace(year=now.year + YEARS_AHEAD, day=28)
    return int(later.timestamp())


def start_range(now_ts: int) -> tuple[int, int]:
    """The first and the last instant a meeting may start at, for a plan made at now."""
    return EARLIEST_TS, latest_start_ts(now_ts)


def _range_text(now_ts: int) -> str:
    latest = datetime.fromtimestamp(latest_start_ts(now_ts), UTC)
    return (
        f"meetings start between {EARLIEST.date().isoformat()} and {YEARS_AHEAD} years "
        f"from now ({latest.isoformat(timespec='minutes')})"
    )


def start_problem(start_ts: int, now_ts: int) -> str | None:
    """Why a meeting cannot start at ``start_ts``, or None when it can."""
    if EARLIEST_TS <= start_ts <= latest_start_ts(now_ts):
        return None
    shown = datetime.fromtimestamp(start_ts, UTC).isoformat() if _holdable(start_ts) else "it"
    return f"{shown} is out of range: {_range_text(now_ts)}"


def wall_problem(value: datetime, now_ts: int) -> str | None:
    """Why no meeting can start at ``value``, read as its fields (its date and time of day,
    any offset ignored), or None when it may: a day of slack on both sides covers every
    UTC offset, and ``start_problem`` decides exactly once the instant is known."""
    wall = wall_seconds(value)
    if EARLIEST_TS - DAY <= wall <= latest_start_ts(now_ts) + DAY:
        return None
    return f"{value.date().isoformat()} is out of range: {_range_text(now_ts)}"


def _holdable(ts: int) -> bool:
    return wall_seconds(datetime(1, 1, 2)) <= ts <= wall_seconds(datetime(9999, 12, 30))
