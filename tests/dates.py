"""Dates for tests, derived from the test's own clock, so that no test goes stale.

A test that needs "a day in the future" takes it from here instead of writing a year down.
The day is the first Tuesday of December next year:
- at least a month ahead, whatever today is;
- a working day, and always a Tuesday, for tests that assert weekdays;
- in winter time for the northern zones the tests name (Europe/Berlin is CET, UTC+1;
  America/New_York is EST, UTC-5), so the offsets the tests assert never change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def winter_day(days_after: int = 0) -> date:
    """The first Tuesday of December next year (by the clock now), plus `days_after` days."""
    first = date(datetime.now(UTC).year + 1, 12, 1)
    tuesday = first + timedelta(days=(1 - first.weekday()) % 7)
    return tuesday + timedelta(days=days_after)


def at(day: date, hour: int, minute: int = 0) -> str:
    """A naive local ISO date-time on `day`, as a form or the API takes it."""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
