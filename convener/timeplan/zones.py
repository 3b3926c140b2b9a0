"""IANA zones: lookup, local wall time to UTC across DST gaps and folds, and offset timelines.

Internally the planner counts time as integer epoch seconds (UTC). A *wall* value is the same
count for a naive local date-time read as if it were UTC, so ``instant = wall - utc_offset``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

Adjustment = Literal["dst_gap_shifted_forward", "dst_ambiguous_first_occurrence"]
GAP_SHIFTED: Adjustment = "dst_gap_shifted_forward"
AMBIGUOUS_FIRST: Adjustment = "dst_ambiguous_first_occurrence"

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
DAY = 86_400


# Files some systems keep beside the zones, which available_timezones() may list.
_NOT_ZONES = frozenset({"localtime", "posixrules"})


@cache
def known_zone_names() -> frozenset[str]:
    """The IANA names this machine's tz database knows (system zoneinfo, then tzdata)."""
    return frozenset(available_timezones()) - _NOT_ZONES


def load_zone(name: str) -> ZoneInfo | None:
    """The zone called ``name``, or None when it is not an IANA name known here.

    Membership in ``available_timezones()`` rather than ``ZoneInfo(name)`` alone, so that file
    names that happen to exist in the tz directory (``posixrules``, ``localtime``) never count.
    """
    if name not in known_zone_names():
        return None
    return ZoneInfo(name)


def wall_seconds(value: datetime) -> int:
    """A naive (or ignored-offset) date-time as wall seconds; microseconds are dropped."""
    return (
        (value.toordinal() - EPOCH_ORDINAL) * DAY
        + value.hour * 3600
        + value.minute * 60
        + value.second
    )


def wall_datetime(wall: int) -> datetime:
    """Wall seconds back to a naive date-time."""
    return datetime(1970, 1, 1) + timedelta(seconds=wall)


def utc_offset(ts: int, zone: ZoneInfo) -> int:
    """The zone's UTC offset in seconds at instant ``ts``."""
    offset = datetime.fromtimestamp(ts, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def local_datetime(ts: int, zone: ZoneInfo) -> datetime:
    """The aware local date-time of instant ``ts`` in ``zone``."""
    return datetime.fromtimestamp(ts, zone)


def describe_duration(seconds: int) -> str:
    """'1 hour', '30 minutes', '1 hour 30 minutes', '1 day' — for notes people read."""
    parts: list[str] = []
    for size, unit in ((DAY, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}" + ("" if count == 1 else "s"))
    return " ".join(parts) or "0 seconds"


@dataclass(frozen=True, slots=True)
class ResolvedTime:
    """An instant chosen for a requested local time, and what had to be done to get it."""

    ts: int
    adjustment: Adjustment | None = None
    notes: tuple[str, ...] = ()


def resolve_local(wall: datetime, zone: ZoneInfo) -> ResolvedTime:
    """The instant for a naive local date-time in ``zone``.

    A time in a DST gap does not exist; it moves forward by the length of the gap (02:30 on a
    spring-forward night in Berlin becomes 03:30). A time in a fold happens twice; the first
    occurrence is taken. Both are PEP 495's ``fold=0`` reading, which uses the offset in force
    before the transition, so one subtraction serves all three cases.
    """
    naive = wall.replace(tzinfo=None, microsecond=0)
    before = naive.replace(tzinfo=zone, fold=0).utcoffset()
    after = naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None and after is not None
    ts = wall_seconds(naive) - int(before.total_seconds())
    if before == after:
        return ResolvedTime(ts)
    local = local_datetime(ts, zone).isoformat()
    shown = naive.isoformat(timespec="minutes" if naive.second == 0 else "seconds")
    if before < after:
        jump = describe_duration(int((after - before).total_seconds()))
        note = (
            f"{shown} does not exist in {zone.key} (clocks jump forward {jump}); "
            f"moved forward to {local}"
        )
        return ResolvedTime(ts, GAP_SHIFTED, (note,))
    back = describe_duration(int((before - after).total_seconds()))
    note = (
        f"{shown} happens twice in {zone.key} (clocks go back {back}); "
        f"took the first occurrence, {local}"
    )
    return ResolvedTime(ts, AMBIGUOUS_FIRST, (note,))


class OffsetTimeline:
    """A zone's UTC offset as a step function over a range of instants, built on demand.

    The changes are found by probing every hour and bisecting to the second where the offset
    differs. That is exact as long as two transitions are never within an hour of each other;
    in the whole tz database the closest pair is four days apart (a test checks this).
    """

    PROBE = 3600

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._lo = 0
        self._hi = 0
        self._starts: list[int] = []  # instant each piece starts; the first is self._lo
        self._offsets: list[int] = []

    def _scan(self, lo: int, hi: int) -> tuple[list[int], list[int]]:
        zone = self.zone
        starts = [lo]
        offsets = [utc_offset(lo, zone)]
        here = lo
        while here < hi:
            probe = min(here + self.PROBE, hi)
            offset = utc_offset(probe, zone)
            if offset != offsets[-1]:
                low, high = here, probe  # offset(low) is the old one, offset(high) the new one
                while high - low > 1:
                    mid = (low + high) // 2
                    if utc_offset(mid, zone) == offsets[-1]:
                        low = mid
                    else:
                        high = mid
                starts.append(high)
                offsets.append(utc_offset(high, zone))
            here = probe
        return starts, offsets

    def _cover(self, lo: int, hi: int) -> None:
        if not self._starts:
            self._starts, self._offsets = self._scan(lo, hi)
            self._lo, self._hi = lo, hi
            return
        # A scan's end point is probed, so the neighbouring pieces share that offset.
        if lo < self._lo:
            starts, offsets = self._scan(lo, self._lo)
            self._starts = starts + self._starts[1:]
            self._offsets = offsets + self._offsets[1:]
            self._lo = lo
        if hi > self._hi:
            starts, offsets = self._scan(self._hi, hi)
            self._starts.extend(starts[1:])
            self._offsets.extend(offsets[1:])
            self._hi = hi

    def pieces(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """(start, end, offset) of each constant-offset piece covering ``[lo, hi)``, clipped."""
        self._cover(lo, hi)
        starts, offsets = self._starts, self._offsets
        index = max(bisect_right(starts, lo) - 1, 0)
        result: list[tuple[int, int, int]] = []
        while index < len(starts) and starts[index] < hi:
            end = starts[index + 1] if index + 1 < len(starts) else hi
            result.append((max(starts[index], lo), min(end, hi), offsets[index]))
            index += 1
        return result
