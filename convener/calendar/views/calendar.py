"""The week and month views of the team calendar, in the viewer's time zone."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from convener.calendar import grid
from convener.calendar.models import Event

# Weeks and months far from today have nothing to show, and the first and last years
# Python's dates can hold have no week before or after them.
FIRST_YEAR, LAST_YEAR = 1900, 2200
# The band of day-long events shows this many rows, and scrolls beyond.
BAND_ROWS = 3


def _viewer_zone() -> ZoneInfo:
    zone = timezone.get_current_timezone()
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo("UTC")


def _day(value: str, today: date) -> tuple[date, str]:
    """The day asked for in the address, or today; and what was wrong with it."""
    if not value:
        return today, ""
    try:
        on = date.fromisoformat(value)
    except ValueError:
        return today, f"“{value[:40]}” is not a date (YYYY-MM-DD); showing today instead."
    if not FIRST_YEAR <= on.year <= LAST_YEAR:
        return today, f"The calendar shows {FIRST_YEAR} to {LAST_YEAR}; showing today instead."
    return on, ""


def _events(days: list[date], zone: ZoneInfo) -> list[Event]:
    start, end = grid.bounds(days, zone)
    return list(Event.objects.filter(start__lt=end, end__gt=start).order_by("start", "pk")[:2000])


@login_required
def week(request: HttpRequest) -> HttpResponse:
    zone = _viewer_zone()
    today = timezone.now().astimezone(zone).date()
    on, problem = _day(request.GET.get("date", ""), today)
    days = grid.week_of(on)
    events = _events(days, zone)
    columns = grid.week_columns(days, events, zone)
    return render(
        request,
        "calendar/week.html",
        {
            "view": "week",
            # The time grid, and the same week as a list of days for a phone.
            "columns": columns,
            "band_rows": min(BAND_ROWS, max(len(c.band) for c in columns)),
            "hours": [(hour, hour * 4) for hour in range(24)],
            "open_at": grid.WORKDAY_STARTS,
            "days": grid.fill(days, events, zone, None),
            "zone": str(zone),
            "today": today,
            "on": on,
            "problem": problem,
            "prev_date": date.fromordinal(days[0].toordinal() - 7),
            "next_date": date.fromordinal(days[0].toordinal() + 7),
        },
    )


@login_required
def month(request: HttpRequest) -> HttpResponse:
    zone = _viewer_zone()
    today = timezone.now().astimezone(zone).date()
    on, problem = _day(request.GET.get("date", ""), today)
    days = grid.month_of(on)
    filled = grid.fill(days, _events(days, zone), zone, on.month)
    return render(
        request,
        "calendar/month.html",
        {
            "view": "month",
            "weeks": [filled[n : n + 7] for n in range(0, 42, 7)],
            "zone": str(zone),
            "today": today,
            "on": on,
            "problem": problem,
            "prev_date": grid.next_month(on, -1),
            "next_date": grid.next_month(on, 1),
        },
    )
