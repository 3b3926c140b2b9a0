"""The week and month views show each event on the day it falls in the viewer's zone,
whatever zone it was planned in; a date that is not one is said, not a 500."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from convener.calendar.models import Event, LocationType
from convener.team.models import User
from tests.dates import utc, winter_day

pytestmark = pytest.mark.django_db

DAY = winter_day()  # a Tuesday in December


def late_in_berlin(member: User) -> Event:
    """23:30 in Berlin on DAY is 22:30 UTC, and 07:30 the next day in Tokyo."""
    return Event.objects.create(
        title="Late call",
        start=utc(DAY, 22, 30),
        end=utc(DAY, 23),
        timezone="Europe/Berlin",
        location_type=LocationType.PHONE,
        location_detail="+49 30 1234567",
        created_by=member,
    )


def day_of(page: str, title: str) -> str:
    """The data-day of the column or cell holding `title`."""
    before = page[: page.index(title)]
    return before[before.rindex('data-day="') + 10 :][:10]


def test_the_week_shows_an_event_on_the_viewers_day_and_time(logged_in: Any, member: User) -> None:
    late_in_berlin(member)
    page = logged_in.get(f"/calendar/?date={DAY.isoformat()}").content.decode()
    assert "Europe/Berlin" in page and day_of(page, "Late call") == DAY.isoformat()
    assert "23:30\u201300:00" in page

    member.timezone = "Asia/Tokyo"
    member.save()
    page = logged_in.get(f"/calendar/?date={DAY.isoformat()}").content.decode()
    assert day_of(page, "Late call") == (DAY + timedelta(days=1)).isoformat()
    assert "07:30\u201308:00" in page


def test_the_month_shows_the_event_and_moves_by_months(logged_in: Any, member: User) -> None:
    late_in_berlin(member)
    page = logged_in.get(f"/calendar/month/?date={DAY.isoformat()}").content.decode()
    assert day_of(page, "Late call") == DAY.isoformat()
    assert f"?date={DAY.year + 1}-01-01" in page  # next month
    assert f"?date={DAY.year}-11-01" in page  # previous month


def test_a_date_that_is_not_one_is_said_and_today_shown(logged_in: Any) -> None:
    answer = logged_in.get("/calendar/?date=2031-02-30")
    assert answer.status_code == 200
    assert "is not a date" in answer.content.decode()
    assert logged_in.get("/calendar/month/?date=99999-01-01").status_code == 200
    for edge in ("0001-01-01", "9999-12-31"):
        for view in ("/calendar/", "/calendar/month/"):
            answer = logged_in.get(f"{view}?date={edge}")
            assert answer.status_code == 200 and "showing today instead" in answer.content.decode()


def test_the_new_event_dialog_starts_at_the_time_clicked(logged_in: Any) -> None:
    page = logged_in.get(f"/calendar/events/new/?start={DAY.isoformat()}T09:00").content.decode()
    assert f'value="{DAY.isoformat()}T09:00"' in page and f'value="{DAY.isoformat()}T09:30"' in page
    assert logged_in.get("/calendar/events/new/?start=9999-12-31T23:59").status_code == 200


def phone_call(member: User, title: str, start: datetime, end: datetime) -> Event:
    return Event.objects.create(
        title=title,
        start=start,
        end=end,
        timezone="Europe/Berlin",
        location_type=LocationType.PHONE,
        location_detail="+49 30 1234567",
        created_by=member,
    )


def chip_classes(page: str, title: str) -> list[set[str]]:
    """The classes of each grid chip of `title` (the day list's chips have none)."""
    chip = r'<a class="([^"]*)" href="[^"]*" data-role="cal-event">\s*<span[^>]*>[^<]*</span>'
    found = re.findall(chip + r'\s*<span class="cal-title">' + re.escape(title) + "<", page)
    return [set(c.split()) for c in found if re.search(r"\bq-\d", c)]


def test_the_week_grid_places_events_by_hour_and_overlaps_side_by_side(
    logged_in: Any, member: User
) -> None:
    # Berlin is UTC+1 in December: 09:00 UTC shows at 10:00, quarter 40 of the day.
    phone_call(member, "Stand-up", utc(DAY, 9), utc(DAY, 10))
    phone_call(member, "Overlap", utc(DAY, 9, 30), utc(DAY, 11))
    phone_call(member, "Alone", utc(DAY, 12), utc(DAY, 12, 10))
    phone_call(member, "Night", utc(DAY, 22), utc(DAY + timedelta(days=1), 0))
    phone_call(member, "Offsite", utc(DAY, 7), utc(DAY + timedelta(days=2), 16))
    page = logged_in.get(f"/calendar/?date={DAY.isoformat()}").content.decode()
    assert chip_classes(page, "Stand-up") == [{"cal-event", "q-40", "s-4", "w2-0"}]
    assert chip_classes(page, "Overlap") == [{"cal-event", "q-42", "s-6", "w2-1"}]
    # A 10-minute call still takes a quarter, and has the day's width to itself.
    assert chip_classes(page, "Alone") == [{"cal-event", "q-52", "s-1", "w1-0"}]
    # Over midnight: the evening's part, and the next day's hour.
    assert chip_classes(page, "Night") == [
        {"cal-event", "q-92", "s-4", "w1-0", "cal-goes-on"},
        {"cal-event", "q-0", "s-4", "w1-0", "cal-from-before"},
    ]
    # Two days and more go in the band above the hours, on each day they touch.
    assert chip_classes(page, "Offsite") == []
    assert page.count("Offsite<") == 3 + 3  # the grid's band, and the day list
    assert "cal-band-1" in page and 'data-open-at="8"' in page
