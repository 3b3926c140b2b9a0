"""DST gaps and folds, delays across DST, and month-end clamping."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from convener.timeplan import Delay, add_months, apply_delay, resolve_local

from .support import in_zone, only_meeting, planned, spec

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def fixed(at: str, zone: str) -> dict[str, Any]:
    return only_meeting(
        planned(spec({"mode": "fixed", "at": at, "timezone": zone}, now="2026-01-01T00:00:00Z"))
    )


def test_a_time_in_the_berlin_spring_gap_moves_forward_by_the_gap_and_says_so() -> None:
    meeting = fixed("2026-03-29T02:30", "Europe/Berlin")

    assert meeting["local_start"] == "2026-03-29T03:30:00+02:00"
    assert meeting["start"] == "2026-03-29T01:30:00Z"
    assert meeting["adjustment"] == "dst_gap_shifted_forward"
    assert meeting["notes"] == [
        "2026-03-29T02:30 does not exist in Europe/Berlin (clocks jump forward 1 hour); "
        "moved forward to 2026-03-29T03:30:00+02:00"
    ]


def test_an_ambiguous_new_york_time_takes_its_first_occurrence_and_says_so() -> None:
    meeting = fixed("2026-11-01T01:30", "America/New_York")

    assert meeting["local_start"] == "2026-11-01T01:30:00-04:00"
    assert meeting["start"] == "2026-11-01T05:30:00Z"
    assert meeting["adjustment"] == "dst_ambiguous_first_occurrence"
    assert "happens twice in America/New_York (clocks go back 1 hour)" in meeting["notes"][0]


def test_an_ordinary_time_needs_no_adjustment() -> None:
    meeting = fixed("2026-03-29T03:30", "Europe/Berlin")

    assert meeting["adjustment"] is None
    assert meeting["notes"] == []


def test_a_whole_skipped_day_moves_forward_a_whole_day() -> None:
    # Samoa skipped 2011-12-30 when it moved across the date line.
    resolved = resolve_local(datetime(2011, 12, 30, 10, 0), ZoneInfo("Pacific/Apia"))

    assert resolved.adjustment == "dst_gap_shifted_forward"
    assert datetime.fromtimestamp(resolved.ts, ZoneInfo("Pacific/Apia")).isoformat() == (
        "2011-12-31T10:00:00+14:00"
    )


def delayed(trigger: str, amount: int, unit: str, zone: str) -> dict[str, Any]:
    timing = {"mode": "delay", "delay": {"amount": amount, "unit": unit}, "timezone": zone}
    recipient = {"id": "c1", "triggered_at": trigger}
    return only_meeting(planned(spec(timing, [recipient], now="2026-01-01T00:00:00Z")))


def test_a_one_day_delay_across_spring_forward_keeps_the_wall_clock_time() -> None:
    meeting = delayed("2026-03-28T10:00:00+01:00", 1, "days", "Europe/Berlin")

    assert meeting["local_start"] == "2026-03-29T10:00:00+02:00"  # 23 hours later


def test_a_24_hour_delay_across_spring_forward_is_elapsed_time() -> None:
    meeting = delayed("2026-03-28T10:00:00+01:00", 24, "hours", "Europe/Berlin")

    assert meeting["local_start"] == "2026-03-29T11:00:00+02:00"


def test_a_one_week_delay_across_fall_back_keeps_the_wall_clock_time() -> None:
    meeting = delayed("2026-10-28T09:00:00-04:00", 1, "weeks", "America/New_York")

    assert meeting["local_start"] == "2026-11-04T09:00:00-05:00"  # 169 hours later


def test_a_one_hour_delay_through_the_spring_gap_is_one_elapsed_hour() -> None:
    meeting = delayed("2026-03-29T01:30:00+01:00", 1, "hours", "Europe/Berlin")

    assert meeting["local_start"] == "2026-03-29T03:30:00+02:00"
    assert meeting["adjustment"] is None


def test_a_day_delay_landing_in_a_gap_moves_forward_and_says_so() -> None:
    meeting = delayed("2026-03-28T02:30:00+01:00", 1, "days", "Europe/Berlin")

    assert meeting["local_start"] == "2026-03-29T03:30:00+02:00"
    assert meeting["adjustment"] == "dst_gap_shifted_forward"


def test_a_day_delay_landing_in_a_fold_takes_the_first_occurrence() -> None:
    meeting = delayed("2026-10-31T01:30:00-04:00", 1, "days", "America/New_York")

    assert meeting["local_start"] == "2026-11-01T01:30:00-04:00"
    assert meeting["adjustment"] == "dst_ambiguous_first_occurrence"


def test_a_zero_day_delay_from_the_second_occurrence_of_a_fold_stays_put() -> None:
    trigger = int(datetime.fromisoformat("2026-11-01T01:30:00-05:00").timestamp())

    assert apply_delay(trigger, Delay(0, "days"), NEW_YORK).ts == trigger


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ("2027-01-31", 1, "2027-02-28"),
        ("2028-01-31", 1, "2028-02-29"),
        ("2026-03-31", 1, "2026-04-30"),
        ("2026-08-31", 6, "2027-02-28"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-12-15", 1, "2027-01-15"),
        ("2026-01-31", 12, "2027-01-31"),
    ],
)
def test_month_steps_clamp_to_the_end_of_the_month(start: str, months: int, end: str) -> None:
    assert add_months(datetime.fromisoformat(start).date(), months).isoformat() == end


def test_a_month_delay_from_january_31_lands_on_february_28_and_keeps_the_time() -> None:
    meeting = delayed("2027-01-31T10:00:00+01:00", 1, "months", "Europe/Berlin")

    assert meeting["local_start"] == "2027-02-28T10:00:00+01:00"
    assert meeting["notes"] == [
        "2027-01-31 plus 1 month is past the end of the month; used its last day, 2027-02-28"
    ]


def test_a_month_delay_across_spring_forward_keeps_the_wall_clock_time() -> None:
    meeting = delayed("2026-02-15T10:00:00+01:00", 2, "months", "Europe/Berlin")

    assert meeting["local_start"] == "2026-04-15T10:00:00+02:00"


def test_a_field_date_time_in_a_fold_of_the_recipients_zone_takes_the_first_occurrence() -> None:
    timing = {"mode": "field", "field": "when"}
    recipient = {"id": "c1", "timezone": "America/New_York", "fields": {"when": "2026-11-01T01:30"}}

    meeting = only_meeting(planned(spec(timing, [recipient], now="2026-10-01T00:00:00Z")))

    assert meeting["start"] == "2026-11-01T05:30:00Z"
    assert meeting["adjustment"] == "dst_ambiguous_first_occurrence"
    assert in_zone(meeting["start"], "America/New_York").fold == 0
