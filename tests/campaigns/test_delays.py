"""An event's timing with a controlled clock: delays keep the wall-clock time across a DST
change in the campaign's zone, and months clamp at the month's end."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from convener.campaigns.models import Event, EventTiming
from convener.campaigns.timing import NoDate, due_at
from convener.crm.models import Contact

BERLIN = ZoneInfo("Europe/Berlin")


def delayed(amount: int, unit: str) -> Event:
    return Event(timing=EventTiming.DELAY, delay_amount=amount, delay_unit=unit)


def test_one_day_later_across_the_spring_change_keeps_ten_o_clock() -> None:
    reached = datetime(2027, 3, 27, 10, 0, tzinfo=BERLIN)  # the Saturday before the change
    due = due_at(delayed(1, "days"), reached.astimezone(UTC), "Europe/Berlin")
    assert due.astimezone(BERLIN) == datetime(2027, 3, 28, 10, 0, tzinfo=BERLIN)
    assert (due - reached).total_seconds() == 23 * 3600


def test_one_week_later_across_the_autumn_change_keeps_ten_o_clock() -> None:
    reached = datetime(2027, 10, 27, 10, 0, tzinfo=BERLIN)
    due = due_at(delayed(1, "weeks"), reached.astimezone(UTC), "Europe/Berlin")
    assert due.astimezone(BERLIN) == datetime(2027, 11, 3, 10, 0, tzinfo=BERLIN)


def test_hours_are_elapsed_time_across_the_change() -> None:
    reached = datetime(2027, 3, 28, 1, 30, tzinfo=BERLIN)
    due = due_at(delayed(1, "hours"), reached.astimezone(UTC), "Europe/Berlin")
    assert due.astimezone(BERLIN).time() == time(3, 30)


def test_a_month_after_january_31st_is_the_last_day_of_february() -> None:
    reached = datetime(2027, 1, 31, 9, 0, tzinfo=BERLIN)
    assert due_at(delayed(1, "months"), reached, "Europe/Berlin").astimezone(BERLIN) == datetime(
        2027, 2, 28, 9, 0, tzinfo=BERLIN
    )
    leap = datetime(2028, 1, 31, 9, 0, tzinfo=BERLIN)
    assert due_at(delayed(1, "months"), leap, "Europe/Berlin").astimezone(BERLIN).day == 29


def test_a_fixed_time_already_past_runs_at_once() -> None:
    reached = datetime(2027, 5, 4, 8, 0, tzinfo=UTC)
    past = Event(timing=EventTiming.FIXED, fixed_at=datetime(2027, 5, 1, tzinfo=UTC))
    assert due_at(past, reached, "Europe/Berlin") == reached
    ahead = Event(timing=EventTiming.FIXED, fixed_at=datetime(2027, 6, 1, tzinfo=UTC))
    assert due_at(ahead, reached, "Europe/Berlin") == datetime(2027, 6, 1, tzinfo=UTC)


def test_a_date_field_runs_days_before_it_at_the_chosen_time_in_the_campaign_zone() -> None:
    contact = Contact(fields={"renewal": "2027-07-20"})
    event = Event(
        timing=EventTiming.FIELD, date_field="renewal", field_offset_days=-7, field_time=time(9)
    )
    reached = datetime(2027, 5, 4, tzinfo=UTC)
    due = due_at(event, reached, "Europe/Berlin", contact)
    assert due.astimezone(BERLIN) == datetime(2027, 7, 13, 9, 0, tzinfo=BERLIN)


def test_a_contact_without_the_date_is_told_not_guessed() -> None:
    event = Event(timing=EventTiming.FIELD, date_field="renewal")
    with pytest.raises(NoDate, match="renewal"):
        due_at(event, datetime(2027, 5, 4, tzinfo=UTC), "Europe/Berlin", Contact(fields={}))


def test_a_fixed_time_is_described_in_the_campaign_zone() -> None:
    from convener.campaigns.models import Campaign
    from convener.campaigns.timing import describe

    event = Event(
        campaign=Campaign(timezone="Europe/Berlin"),
        timing=EventTiming.FIXED,
        fixed_at=datetime(2027, 1, 12, 8, 0, tzinfo=UTC),
    )
    assert describe(event) == "at 2027-01-12 09:00 (Europe/Berlin)"
