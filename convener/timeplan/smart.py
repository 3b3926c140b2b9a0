"""Smart scheduling: lay meetings out in sequence per host inside working-hours windows.

The rule (issue 3): from a candidate instant c, the next slot is the earliest t >= c such that
[t, t + duration) lies inside the window of one allowed local day, overlaps no busy interval of
the host, and (when a cap is set) the host's day has fewer than the cap. After a planned meeting
the next candidate is its end plus the gap. Nothing is placed at or after the horizon.

This is the hot path for a million recipients, so it works on integer epoch seconds, computes
each day's window once for all hosts (``WindowCalendar``), walks busy intervals with a pointer,
and places a whole run of back-to-back slots with one ``range`` instead of one loop turn each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from zoneinfo import ZoneInfo

from .windows import WindowCalendar
from .zones import DAY

ALL_WEEKDAYS = frozenset(range(7))
Interval = tuple[int, int]


@dataclass(frozen=True, slots=True)
class SmartRules:
    """Smart-scheduling settings in epoch seconds, read in the planning zone ``zone``.

    ``window_from_s``/``window_to_s`` are seconds since local midnight (``to`` may be 86400 for
    24:00); ``weekdays`` holds Monday 0 … Sunday 6.
    """

    zone: ZoneInfo
    first_candidate: int
    duration_s: int
    gap_s: int = 0
    window_from_s: int = 0
    window_to_s: int = DAY
    weekdays: frozenset[int] = ALL_WEEKDAYS
    max_per_day: int | None = None
    horizon_days: int = 366

    def __post_init__(self) -> None:
        if self.duration_s <= 0:
            raise ValueError("duration_s must be positive")
        if self.gap_s < 0:
            raise ValueError("gap_s must not be negative")
        if not 0 <= self.window_from_s < self.window_to_s <= DAY:
            raise ValueError("the window must satisfy 0 <= from < to <= 24:00")
        if self.max_per_day is not None and self.max_per_day < 1:
            raise ValueError("max_per_day must be at least 1")
        if self.horizon_days < 1:
            raise ValueError("horizon_days must be at least 1")

    @property
    def horizon_end(self) -> int:
        """The first instant no meeting may start at."""
        return self.first_candidate + self.horizon_days * DAY


def merge_intervals(intervals: Iterable[Interval]) -> tuple[list[int], list[int]]:
    """Sorted, disjoint starts and ends; touching intervals merge (no slot fits between)."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if ends and start <= ends[-1]:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def plan_smart_schedule(
    hosts: Sequence[str | None],
    rules: SmartRules,
    busy: Mapping[str, Iterable[Interval]] | None = None,
    *,
    per_host: bool = True,
) -> list[int | None]:
    """The start instant of each recipient's meeting, in recipient order (None: no slot).

    ``hosts[i]`` is recipient i's host. With ``per_host`` every host has its own sequence,
    avoiding its own busy intervals, and recipients of one host are placed in their order.
    Without it there is one sequence, which avoids every busy interval given.
    """
    busy = busy or {}
    calendar = WindowCalendar(
        rules.zone,
        from_s=rules.window_from_s,
        to_s=rules.window_to_s,
        weekdays=rules.weekdays,
        min_length=rules.duration_s,
        first=rules.first_candidate,
        until=rules.horizon_end,
    )
    if not per_host:
        busy_starts, busy_ends = merge_intervals(chain.from_iterable(busy.values()))
        return _lay_out(len(hosts), rules, calendar, busy_starts, busy_ends)
    sequences: dict[str | None, Iterator[int | None]] = {}
    for host, count in Counter(hosts).items():
        intervals = busy.get(host, ()) if host is not None else ()
        busy_starts, busy_ends = merge_intervals(intervals)
        sequences[host] = iter(_lay_out(count, rules, calendar, busy_starts, busy_ends))
    # Hand each host's starts back out in recipient order; map() keeps this loop in C.
    return list(map(next, map(sequences.__getitem__, hosts)))


def _lay_out(
    count: int,
    rules: SmartRules,
    calendar: WindowCalendar,
    busy_starts: list[int],
    busy_ends: list[int],
) -> list[int | None]:
    """``count`` starts of one sequence, padded with None once the horizon is reached."""
    duration = rules.duration_s
    step = duration + rules.gap_s
    cap = rules.max_per_day
    until = rules.horizon_end
    window_starts, window_ends, window_days = calendar.starts, calendar.ends, calendar.days
    available = len(window_starts)
    busy_count = len(busy_starts)
    per_day: dict[int, int] = {}
    placed: list[int | None] = []
    remaining = count
    candidate = rules.first_candidate
    window = 0
    pending_busy = 0
    day = 0
    while remaining:
        if window >= available:
            available = calendar.extend()
            if window >= available:
                break
        limit = window_ends[window]
        if candidate + duration > limit:
            window += 1
            continue
        if candidate < window_starts[window]:
            candidate = window_starts[window]
        if candidate >= until:
            break
        room = remaining
        if cap is not None:
            day = window_days[window]
            room = min(room, cap - per_day.get(day, 0))
            if room <= 0:
                window += 1
                continue
        while pending_busy < busy_count and busy_ends[pending_busy] <= candidate:
            pending_busy += 1
        if pending_busy < busy_count:
            busy_start = busy_starts[pending_busy]
            if busy_start < candidate + duration:
                candidate = busy_ends[pending_busy]
                continue
            limit = min(limit, busy_start)
        # Every slot candidate + k * step that ends by the limit and starts before the
        # horizon is valid, so place the whole run at once.
        fit = min(
            (limit - duration - candidate) // step + 1,
            (until - 1 - candidate) // step + 1,
            room,
        )
        after = candidate + fit * step
        placed.extend(range(candidate, after, step))
        remaining -= fit
        if cap is not None:
            per_day[day] = per_day.get(day, 0) + fit
        candidate = after
    if remaining:
        placed.extend([None] * remaining)
    return placed
