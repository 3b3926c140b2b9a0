"""The week and month grids, in the viewer's zone: which days a page shows, and which
events fall on each day (an event over midnight shows on every day it touches)."""

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
