"""One week of a page's free times as the visitor's pages show it, with the links to the
week before and after, and, when the week has no free time, the way to the first week
that has one, or the plain word that there is none within the horizon.

Only the week shown is computed (and, when it is empty, the weeks after it until one has
a free time): `convener.booking.availability.PageTimes` reads the busy times once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils.http import urlencode

from convener.booking import weeks
from convener.booking.availability import PageTimes

UTC = ZoneInfo("UTC")


def query(**values: Any) -> str:
    return "?" + urlencode({k: v for k, v in values.items() if v not in (None, "")})


@dataclass
class Day:
    day: date
    times: list[tuple[datetime, str]]  # (UTC start, its query string)


@dataclass
class ShownWeek:
    week: weeks.Week
    days: list[Day]  # the days of the week that have a free time
    horizon_days: int
    previous: str | None = None  # the query strings of the week before and after
    next: str | None = None
    # When the week has no free time: the first one there is (after it, else before it).
    first_free: datetime | None = None
    first_free_query: str | None = None
    notice: str = ""  # why the week asked for is not the one shown
    status: int = 200
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def none_at_all(self) -> bool:
        """No free time anywhere within the horizon."""
        return not self.days and self.first_free is None


def _days(starts: list[datetime], zone: str, duration: int | None) -> list[Day]:
    local = ZoneInfo(zone)
    days: dict[date, Day] = {}
    for at in starts:
        day = at.astimezone(local).date()
        link = query(tz=zone, d=duration, at=at.astimezone(UTC).isoformat())
        days.setdefault(day, Day(day, [])).times.append((at, link))
    return list(days.values())


def shown_week(
    request: HttpRequest, times: PageTimes, zone: str, duration: int | None = None
) -> ShownWeek:
    """The week of the request's `week` parameter (today's without one). Refused values
    show the coming days with a notice and the refusal's status, never an error page."""
    asked = request.GET.get("week", "")
    horizon = times.rules.horizon_days
    notice, status = "", 200
    try:
        week = weeks.week_asked(asked, times.now, horizon, zone)
    except weeks.WeekRefused as refused:
        week = weeks.week_asked("", times.now, horizon, zone)
        notice, status = str(refused), refused.status
    low, high = week.span
    starts = list(times.free(week.span))
    first_free = None
    if not starts:
        later = times.first_free(high) or times.first_free(times.now, before=low)
        first_free = later[0] if later else None
        if first_free is not None and not asked.strip():
            # The visitor asked for no week: show the first one they can book in.
            week = week.starting(first_free.astimezone(ZoneInfo(zone)).date())
            starts, first_free = list(times.free(week.span)), None

    def link(day: date) -> str:
        return query(tz=zone, d=duration, week=day.isoformat())

    return ShownWeek(
        week=week,
        days=_days(starts, zone, duration),
        horizon_days=horizon,
        previous=link(week.previous) if week.previous else None,
        next=link(week.next) if week.next else None,
        first_free=first_free,
        first_free_query=link(first_free.astimezone(ZoneInfo(zone)).date()) if first_free else None,
        notice=notice,
        status=status,
        unavailable=times.unavailable,
    )
