"""Free times of a booking page, computed from plain values: no ORM, no Django, so it is
tested on its own and timed by bench/bench_booking_slots.py.

The page's hours are wall-clock times in its zone on every day, on both sides of a
daylight-saving change: 09:00-17:00 is 09:00-17:00 in July and in December. A window's
edge in a DST gap moves forward (02:30 on a spring-forward night is 03:30), an ambiguous
one takes its first occurrence, as the planner does everywhere else.

Starts fall on the quarter-hour grid (in UTC, which is the grid of every zone's quarter
hours) and every duration is whole quarter hours: `convener.booking.models.HostHold`
relies on it to refuse overlapping bookings in the database.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GRID = timedelta(minutes=15)
Interval = tuple[datetime, datetime]
# A part of the horizon, [low, high) in UTC: a page shows one week, a booking checks one
# start, so only the candidates inside it are computed.
Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Rules:
    """A page's availability and limits."""

    zone: str
    weekly: Mapping[int, Sequence[tuple[time, time]]]  # 0 is Monday
    overrides: Mapping[date, Sequence[tuple[time, time]]] = field(default_factory=dict)
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    minimum_notice: timedelta = timedelta(0)
    horizon_days: int = 60
    max_per_day: int = 0  # 0: no limit


@dataclass(frozen=True, slots=True)
class Candidate:
    start: datetime  # UTC
    day: date  # the day it falls on in the page's zone
    epoch: int  # `start` in seconds since the epoch: what the busy checks compare


@dataclass
class HostTimes:
    """What is known of one host: their busy intervals (UTC, any order), and how many
    bookings they already have per day of the page's zone. `unavailable` says why their
    calendar could not be read: they then have no free time at all, never a guessed one."""

    busy: Sequence[Interval] = ()
    booked_per_day: Mapping[date, int] = field(default_factory=dict)
    unavailable: str = ""


def _ceil_to_grid(at: datetime) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    steps = -((epoch - at) // GRID)  # ceiling division
    return epoch + steps * GRID


def _instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def candidates(
    rules: Rules, duration: timedelta, now: datetime, span: Span | None = None
) -> list[Candidate]:
    """Every start the rules allow for a meeting of `duration`, before anyone's busy time,
    in time order: inside a window, after the minimum notice, within the horizon, and
    within `span` when one is given."""
    zone = ZoneInfo(rules.zone)
    step = max(GRID, duration)
    earliest = now + rules.minimum_notice
    latest = now + timedelta(days=rules.horizon_days)
    if span is not None:
        earliest = max(earliest, span[0])
        # `span` ends before its high end; the horizon's last start is still bookable.
        latest = min(latest, span[1] - timedelta(microseconds=1))
    if latest < earliest:
        return []
    first_day = earliest.astimezone(zone).date()
    last_day = latest.astimezone(zone).date()
    found: list[Candidate] = []
    day = first_day
    while day <= last_day:
        windows = rules.overrides.get(day)
        if windows is None:
            windows = rules.weekly.get(day.weekday(), ())
        for begin, finish in windows:
            start = _ceil_to_grid(_instant(day, begin, zone))
            end = (
                _instant(day + timedelta(days=1), time(0), zone)
                if finish == time(0)  # "until midnight"
                else _instant(day, finish, zone)
            )
            at = start
            while at + duration <= end:
                if earliest <= at <= latest:
                    found.append(Candidate(at, day, int(at.timestamp())))
                at += step
        day += timedelta(days=1)
    return found


def merged(intervals: Iterable[Interval]) -> tuple[list[int], list[int]]:
    """Sorted, merged intervals as (starts, ends) lists of epoch seconds, for bisecting.
    Whole seconds compare much faster than datetimes, and the grid is whole minutes."""
    starts: list[int] = []
    ends: list[int] = []
    for low, high in sorted((int(a.timestamp()), int(b.timestamp())) for a, b in intervals):
        if high <= low:
            continue
        if ends and low <= ends[-1]:
            ends[-1] = max(ends[-1], high)
        else:
            starts.append(low)
            ends.append(high)
    return starts, ends


def _free_indices(
    rules: Rules, duration: timedelta, found: Sequence[Candidate], host: HostTimes
) -> list[int]:
    if host.unavailable:
        return []
    starts, ends = merged(host.busy)
    count = len(starts)
    before = int(rules.buffer_before.total_seconds())
    after = int((duration + rules.buffer_after).total_seconds())
    full = (
        {day for day, n in host.booked_per_day.items() if n >= rules.max_per_day}
        if rules.max_per_day
        else set()
    )
    free = []
    for index, candidate in enumerate(found):
        if full and candidate.day in full:
            continue
        low = candidate.epoch - before
        first = bisect_right(ends, low)  # the first busy interval ending after `low`
        if first < count and starts[first] < candidate.epoch + after:
            continue
        free.append(index)
    return free


def free_for_host(
    rules: Rules, duration: timedelta, found: Sequence[Candidate], host: HostTimes
) -> list[Candidate]:
    """The candidates this host is free for: the meeting and its buffers clear of every
    busy interval, on a day below the page's daily maximum."""
    return [found[i] for i in _free_indices(rules, duration, found, host)]


def team_free(
    rules: Rules,
    duration: timedelta,
    now: datetime,
    hosts: Mapping[int, HostTimes],
    *,
    everyone: bool,
    span: Span | None = None,
) -> dict[datetime, list[int]]:
    """Each free start with the hosts free at it, in time order, within `span` when one is
    given. `everyone`: a collective page, where a start is free only when every host is;
    otherwise any free host will do (a personal page is a team of one)."""
    found = candidates(rules, duration, now, span)
    # Per candidate, by position: far cheaper than a dict keyed by datetimes.
    free_hosts: list[list[int]] = [[] for _ in found]
    for host_id in sorted(hosts):
        for index in _free_indices(rules, duration, found, hosts[host_id]):
            free_hosts[index].append(host_id)
    wanted = len(hosts) if everyone else 1
    return {found[i].start: ids for i, ids in enumerate(free_hosts) if len(ids) >= wanted and ids}


def pick_round_robin(
    free: Sequence[int],
    last_booked: Mapping[int, datetime | None],
    *,
    preferred: int | None = None,
) -> int:
    """The host of a round-robin booking: the preferred one (the contact's owner) when
    free, else the least recently booked, a host never booked first, ties by id."""
    if not free:
        raise ValueError("no free host")
    if preferred is not None and preferred in free:
        return preferred
    never = datetime.min.replace(tzinfo=UTC)
    return min(free, key=lambda pk: (last_booked.get(pk) or never, pk))
