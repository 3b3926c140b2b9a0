"""The week and month grids, in the viewer's zone: which days a page shows, and which
events fall on each day (an event over midnight shows on every day it touches).

The week is also a time grid: each day a column of quarter hours, a timed event placed
by its start and length (each day's part of one over midnight), overlapping events side
by side, and events of a day or more in a band above the hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from convener.calendar.models import Event


@dataclass
class Day:
    on: date
    in_month: bool = True
    events: list[Event] = field(default_factory=list)


def week_of(on: date) -> list[date]:
    monday = on - timedelta(days=on.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def month_of(on: date) -> list[date]:
    """The six weeks (Monday first) that show the month of `on`."""
    first = on.replace(day=1)
    start = first - timedelta(days=first.weekday())
    return [start + timedelta(days=n) for n in range(42)]


def next_month(on: date, step: int) -> date:
    month = on.month - 1 + step
    return date(on.year + month // 12, month % 12 + 1, 1)


def bounds(days: list[date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants the first day starts and the day after the last starts, in `zone`."""
    start = datetime.combine(days[0], time(0), tzinfo=zone)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def fill(days: list[date], events: list[Event], zone: ZoneInfo, month: int | None) -> list[Day]:
    grid = [Day(d, month is None or d.month == month) for d in days]
    by_date = {d.on: d for d in grid}
    for event in events:
        first = event.start.astimezone(zone).date()
        # An event ending exactly at midnight does not touch the next day.
        last = (event.end - timedelta(microseconds=1)).astimezone(zone).date()
        day = first
        while day <= last:
            if day in by_date:
                by_date[day].events.append(event)
            day += timedelta(days=1)
    return grid


# -- the week's time grid -------------------------------------------------------------

QUARTERS = 96  # rows of a day in the time grid: quarters of an hour
LANES = 6  # events side by side at most; more share the last lane
LONG = timedelta(hours=24)  # an event this long goes in the band above the hours
WORKDAY_STARTS = 8  # the hour the grid opens at


@dataclass
class Placed:
    """The part of a timed event that falls on one day, placed in the day's column:
    from quarter `row` for `span` quarters, in lane `lane` of `lanes` side by side."""

    event: Event
    row: int
    span: int
    lane: int = 0
    lanes: int = 1
    # The event began on an earlier day, or goes on into the next.
    from_before: bool = False
    goes_on: bool = False

    @property
    def classes(self) -> str:
        """Its place as the classes of calendar/week.css (the page's policy allows no
        inline style): start row, length, and lane of how many."""
        return f"q-{self.row} s-{self.span} w{self.lanes}-{self.lane}"


@dataclass
class Column:
    on: date
    band: list[Event] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)


def _place(day: date, event: Event, zone: ZoneInfo) -> Placed | None:
    """The event's part on `day`, in the day's quarters (None: it has none)."""
    starts, ends = bounds([day], zone)
    begin, end = max(event.start, starts), min(event.end, ends)
    if end <= begin:
        return None
    row = _minutes(begin.astimezone(zone)) // 15 if begin > starts else 0
    # Up to the quarter the event ends in: a 10-minute call still shows.
    last = QUARTERS if end >= ends else -(-_minutes(end.astimezone(zone)) // 15)
    return Placed(
        event,
        row,
        max(1, min(last, QUARTERS) - row),
        from_before=event.start < starts,
        goes_on=event.end > ends,
    )


def _minutes(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _lanes(placed: list[Placed]) -> None:
    """Overlapping events side by side: each takes the first lane free at its start;
    a group of events that overlap one another shares its number of lanes."""
    group: list[Placed] = []
    ends: list[int] = []  # the row each lane of the group is free from
    for item in sorted(placed, key=lambda p: (p.row, -p.span)):
        if group and item.row >= max(ends):
            for member in group:
                member.lanes = min(len(ends), LANES)
            group, ends = [], []
        free = [n for n, end in enumerate(ends) if end <= item.row]
        item.lane = free[0] if free else len(ends)
        if item.lane == len(ends):
            ends.append(0)
        ends[item.lane] = item.row + item.span
        item.lane = min(item.lane, LANES - 1)
        group.append(item)
    for member in group:
        member.lanes = min(len(ends), LANES)


def week_columns(days: list[date], events: list[Event], zone: ZoneInfo) -> list[Column]:
    """The week's columns: events of a day or more in the band, the others placed."""
    columns = [Column(d) for d in days]
    for column in columns:
        for event in events:
            if event.end - event.start >= LONG:
                first, last = bounds([column.on], zone)
                if event.start < last and event.end > first:
                    column.band.append(event)
            elif (placed := _place(column.on, event, zone)) is not None:
                column.placed.append(placed)
        _lanes(column.placed)
    return columns
