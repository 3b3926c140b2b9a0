"""The week a booking page shows: seven days of the visitor's zone, from the day the
visitor asked for (`?week=2030-12-02`, the first day shown) or from today, within the
page's horizon. Plain values, no Django: the view turns a `Week` into links.

Weeks start on the day asked for rather than on a Monday: the first week starts today,
its next one a week later, and a jump to the first free time starts on that time's day,
so every week shown begins with a day that can be booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = 7


class WeekRefused(Exception):
    """The week asked for cannot be shown: `status` is the HTTP answer (400 for a value
    that is no date, 404 for a week past the horizon), the message says why in words."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Week:
    first: date  # the first day shown, in the visitor's zone
    today: date  # the first day that can be booked, in the visitor's zone
    last: date  # the last day that can be booked (the page's horizon)
    zone: str

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range(DAYS)]

    @property
    def span(self) -> tuple[datetime, datetime]:
        """The week as UTC instants: from its first midnight to the one after its last day,
        in the visitor's zone (a day of a DST change is 23 or 25 hours long)."""
        return self.instant(self.first), self.instant(self.first + timedelta(days=DAYS))

    def instant(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def previous(self) -> date | None:
        """The first day of the week before, never before today; None on the first week."""
        if self.first <= self.today:
            return None
        return max(self.today, self.first - timedelta(days=DAYS))

    @property
    def next(self) -> date | None:
        """The first day of the week after; None when it would be past the horizon."""
        following = self.first + timedelta(days=DAYS)
        return following if following <= self.last else None

    def starting(self, day: date) -> Week:
        return Week(first=day, today=self.today, last=self.last, zone=self.zone)


def bookable_days(now: datetime, horizon_days: int, zone: str) -> tuple[date, date]:
    """Today and the last day that can be booked, in the visitor's zone."""
    local = ZoneInfo(zone)
    latest = now + timedelta(days=horizon_days)
    return now.astimezone(local).date(), latest.astimezone(local).date()


def week_asked(text: str, now: datetime, horizon_days: int, zone: str) -> Week:
    """The week of the `week` parameter (today's without one). A week already past shows
    from today: a page left open for days, or a link kept, still shows what can be booked.
    WeekRefused for a value that is not a date, or a week that starts past the horizon."""
    today, last = bookable_days(now, horizon_days, zone)
    week = Week(first=today, today=today, last=last, zone=zone)
    text = text.strip()
    if not text:
        return week
    try:
        first = date.fromisoformat(text)
    except ValueError:
        raise WeekRefused(
            "The week asked for is not a date (it should look like "
            f"{today.isoformat()}). Here are the coming days instead.",
            400,
        ) from None
    if first > last:
        raise WeekRefused(
            f"Times can be booked up to {horizon_days} days ahead, until "
            f"{last:%A} {last.day} {last:%B %Y}; the week asked for is later than that. "
            "Here are the coming days instead.",
            404,
        )
    return week.starting(max(first, today))
