"""The smart-scheduling window of each allowed local day, as UTC intervals.

A day's window is the set of instants whose wall clock in the planning zone reads that date
and a time of day in ``[from, to)``. On most days that is one interval; on a DST day it can be
shorter or longer in elapsed time, or two intervals when the clocks go back through it. A
meeting must fit inside one interval, so it lies in the window by its local wall time.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from .zones import DAY, EPOCH_ORDINAL, OffsetTimeline, utc_offset

# Offsets are strictly within ±24 h (a datetime rule), so a day's instants lie within a day
# of its wall-clock span.
MAX_OFFSET = DAY
CHUNK_DAYS = 32


def weekday_of(day: int) -> int:
    """Monday 0 … Sunday 6 for a proleptic Gregorian ordinal (ordinal 1 was a Monday)."""
    return (day - 1) % 7


def day_windows(
    timeline: OffsetTimeline, day: int, from_s: int, to_s: int
) -> list[tuple[int, int]]:
    """The UTC intervals of local date ``day`` (an ordinal) whose wall time is in the window."""
    wall_from = (day - EPOCH_ORDINAL) * DAY + from_s
    wall_to = (day - EPOCH_ORDINAL) * DAY + to_s
    result: list[tuple[int, int]] = []
    for start, end, offset in timeline.pieces(wall_from - MAX_OFFSET, wall_to + MAX_OFFSET):
        low = max(start, wall_from - offset)
        high = min(end, wall_to - offset)
        if low >= high:
            continue
        if result and result[-1][1] == low:  # the wall clock ran on through a transition
            result[-1] = (result[-1][0], high)
        else:
            result.append((low, high))
    return result


class WindowCalendar:
    """Every allowed day's window intervals from a first instant on, sorted, made lazily.

    ``starts``, ``ends`` and ``days`` grow in place as ``extend`` is called, so a planner can
    hold on to the lists. Intervals shorter than ``min_length`` (the meeting duration) are
    left out: nothing fits in them.
    """

    def __init__(
        self,
        zone: ZoneInfo,
        *,
        from_s: int,
        to_s: int,
        weekdays: frozenset[int],
        min_length: int,
        first: int,
        until: int,
    ) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.days: list[int] = []
        self._timeline = OffsetTimeline(zone)
        self._from_s = from_s
        self._to_s = to_s
        self._weekdays = weekdays
        self._min_length = min_length
        self._first = first
        self._until = until
        first_wall = first + utc_offset(first, zone)
        # Earlier dates too: when clocks go back across midnight, an earlier date comes back.
        self._next_day = first_wall // DAY + EPOCH_ORDINAL - 2
        self._pending: list[tuple[int, int, int]] = []
        self._done = False

    def extend(self) -> int:
        """Add the next intervals, if any are left before ``until``; return how many there are."""
        count = len(self.starts)
        while len(self.starts) == count and not self._done:
            self._generate_chunk()
        return len(self.starts)

    def _generate_chunk(self) -> None:
        pending = self._pending
        for _ in range(CHUNK_DAYS):
            day = self._next_day
            earliest = (day - EPOCH_ORDINAL) * DAY + self._from_s - MAX_OFFSET
            if earliest >= self._until:
                self._done = True
                break
            self._next_day += 1
            if weekday_of(day) not in self._weekdays:
                continue
            for low, high in day_windows(self._timeline, day, self._from_s, self._to_s):
                if high - low >= self._min_length and high > self._first:
                    pending.append((low, high, day))
        # Usually already in order; after a backward jump across midnight two dates interleave.
        pending.sort()
        if self._done:
            boundary = None
        else:
            boundary = (self._next_day - EPOCH_ORDINAL) * DAY + self._from_s - MAX_OFFSET
        keep = 0
        for low, high, day in pending:
            if boundary is not None and low >= boundary:
                break  # a later date may still produce an earlier interval
            if low < self._until:
                self.starts.append(low)
                self.ends.append(high)
                self.days.append(day)
            keep += 1
        del pending[:keep]
