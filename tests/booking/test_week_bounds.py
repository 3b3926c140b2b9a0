"""The week a page shows (convener.booking.weeks), from plain values: seven days of the
visitor's zone, whole days across a change of clocks, bounded by today and the horizon."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from convener.booking.weeks import Week, WeekRefused, week_asked

# A Tuesday, 20:00 UTC: already Wednesday in Kolkata (01:30), still Tuesday in New York.
NOW = datetime(2030, 3, 5, 20, tzinfo=UTC)


def test_today_and_the_horizon_are_the_visitors_days() -> None:
    kolkata = week_asked("", NOW, 60, "Asia/Kolkata")
    new_york = week_asked("", NOW, 60, "America/New_York")

    assert (kolkata.first, kolkata.today) == (date(2030, 3, 6), date(2030, 3, 6))
    assert new_york.first == date(2030, 3, 5)
    assert kolkata.last == date(2030, 5, 5) and new_york.last == date(2030, 5, 4)
    assert kolkata.previous is None and kolkata.next == date(2030, 3, 13)


def test_a_week_across_a_change_of_clocks_is_seven_whole_days() -> None:
    # New York springs forward on Sunday 2030-03-10: that week is an hour short.
    week = week_asked("2030-03-07", NOW, 60, "America/New_York")

    low, high = week.span
    assert low == datetime(2030, 3, 7, 5, tzinfo=UTC)  # midnight EST
    assert high == datetime(2030, 3, 14, 4, tzinfo=UTC)  # midnight EDT
    assert high - low == timedelta(days=7, hours=-1)
    assert week.previous == date(2030, 3, 5)  # never before today


def test_a_zone_whose_clocks_change_at_midnight_still_has_whole_days() -> None:
    # Santiago springs forward at Sunday 2030-09-08 00:00 (04:00 UTC): there is no
    # midnight that day, and Sunday starts at 01:00, not with an hour of Saturday.
    week = Week(date(2030, 9, 8), date(2030, 9, 1), date(2030, 12, 1), "America/Santiago")
    before = week.starting(date(2030, 9, 1))

    assert week.span[0] == datetime(2030, 9, 8, 4, tzinfo=UTC) == before.span[1]
    assert week.span[0].astimezone(ZoneInfo("America/Santiago")).hour == 1


def test_the_last_week_has_no_next_one() -> None:
    week = week_asked("2030-04-30", NOW, 60, "America/New_York")

    assert week.next is None and week.previous == date(2030, 4, 23)


@pytest.mark.parametrize(
    ("text", "status"),
    [("2030-02-30", 400), ("soon", 400), ("2030-05-05", 404), ("9999-12-31", 404)],
)
def test_what_cannot_be_shown_is_refused_with_its_reason(text: str, status: int) -> None:
    with pytest.raises(WeekRefused) as refused:
        week_asked(text, NOW, 60, "America/New_York")

    assert refused.value.status == status
    assert ("not a date" if status == 400 else "until Saturday 4 May 2030") in str(refused.value)


def test_a_week_already_past_starts_today() -> None:
    assert week_asked("2001-01-01", NOW, 60, "UTC").first == date(2030, 3, 5)
