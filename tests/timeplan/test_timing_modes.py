"""Immediate, delay, fixed and field timing, each read in the zone the issue prescribes."""

from __future__ import annotations

import pytest

from .support import only_meeting, only_skip, planned, spec


def test_immediately_starts_at_the_trigger_time_in_the_recipients_zone() -> None:
    recipient = {"id": "c1", "host": "u1", "timezone": "America/New_York"}

    meeting = only_meeting(planned(spec({"mode": "immediate"}, [recipient])))

    assert meeting["start"] == "2026-11-21T09:00:00Z"
    assert meeting["end"] == "2026-11-21T09:30:00Z"
    assert meeting["timezone"] == "America/New_York"
    assert meeting["timezone_source"] == "contact"
    assert meeting["local_start"] == "2026-11-21T04:00:00-05:00"


def test_immediately_uses_the_recipients_own_trigger_time_when_given() -> None:
    recipient = {"id": "c1", "triggered_at": "2026-11-21T08:15:00Z"}

    meeting = only_meeting(planned(spec({"mode": "immediate"}, [recipient])))

    assert meeting["start"] == "2026-11-21T08:15:00Z"
    assert meeting["host"] is None


@pytest.mark.parametrize(
    ("amount", "unit", "start"),
    [
        (0, "minutes", "2026-11-21T09:00:00Z"),
        (90, "minutes", "2026-11-21T10:30:00Z"),
        (3, "hours", "2026-11-21T12:00:00Z"),
        (2, "days", "2026-11-23T09:00:00Z"),
        (1, "weeks", "2026-11-28T09:00:00Z"),
        (1, "months", "2026-12-21T09:00:00Z"),
    ],
)
def test_a_delay_is_added_to_the_trigger_time(amount: int, unit: str, start: str) -> None:
    timing = {"mode": "delay", "delay": {"amount": amount, "unit": unit}}

    meeting = only_meeting(planned(spec(timing)))

    assert meeting["start"] == start
    assert meeting["timezone_source"] == "default"


def test_a_fixed_time_is_read_in_the_actions_zone_for_every_recipient() -> None:
    timing = {"mode": "fixed", "at": "2026-12-01T10:00", "timezone": "Asia/Tokyo"}
    recipients = [{"id": "c1", "timezone": "America/New_York"}, {"id": "c2"}]

    result = planned(spec(timing, recipients))

    assert [m["start"] for m in result["meetings"]] == ["2026-12-01T01:00:00Z"] * 2
    assert {m["timezone_source"] for m in result["meetings"]} == {"action"}
    assert {m["local_start"] for m in result["meetings"]} == {"2026-12-01T10:00:00+09:00"}


def test_a_fixed_time_without_an_action_zone_is_read_in_the_default_zone() -> None:
    timing = {"mode": "fixed", "at": "2026-12-01T10:00", "timezone": None}

    meeting = only_meeting(planned(spec(timing, default_timezone="Europe/Lisbon")))

    assert meeting["start"] == "2026-12-01T10:00:00Z"
    assert meeting["timezone"] == "Europe/Lisbon"
    assert meeting["timezone_source"] == "default"


def test_a_fixed_time_with_an_offset_is_an_absolute_instant() -> None:
    timing = {"mode": "fixed", "at": "2026-12-01T10:00:00-08:00", "timezone": "Europe/Berlin"}

    meeting = only_meeting(planned(spec(timing)))

    assert meeting["start"] == "2026-12-01T18:00:00Z"
    assert meeting["local_start"] == "2026-12-01T19:00:00+01:00"


def test_a_fixed_time_in_the_past_is_skipped_not_moved() -> None:
    timing = {"mode": "fixed", "at": "2026-11-20T10:00", "timezone": "UTC"}

    skip = only_skip(planned(spec(timing)))

    assert skip == {
        "id": "c1",
        "reason": "date in the past: 2026-11-20T10:00:00+00:00",
        "code": "date_in_the_past",
    }


def test_a_field_date_time_is_read_in_the_recipients_zone() -> None:
    timing = {"mode": "field", "field": "preferred_at", "timezone": "Europe/Berlin"}
    recipient = {
        "id": "c1",
        "timezone": "America/New_York",
        "fields": {"preferred_at": "2026-12-03T15:00"},
    }

    meeting = only_meeting(planned(spec(timing, [recipient])))

    assert meeting["start"] == "2026-12-03T20:00:00Z"
    assert meeting["local_start"] == "2026-12-03T15:00:00-05:00"
    assert meeting["timezone_source"] == "contact"


@pytest.mark.parametrize(
    ("value", "start"),
    [
        ("2026-12-03T15:00:00Z", "2026-12-03T15:00:00Z"),
        ("2026-12-03T15:00:00+05:30", "2026-12-03T09:30:00Z"),
        ("2026-12-03 15:00-02:00", "2026-12-03T17:00:00Z"),
    ],
)
def test_a_field_value_with_an_offset_or_z_is_absolute(value: str, start: str) -> None:
    timing = {"mode": "field", "field": "preferred_at"}
    recipient = {"id": "c1", "timezone": "Asia/Tokyo", "fields": {"preferred_at": value}}

    meeting = only_meeting(planned(spec(timing, [recipient])))

    assert meeting["start"] == start
    assert meeting["timezone"] == "Asia/Tokyo"  # still shown in the recipient's zone


def test_a_field_date_takes_the_time_of_day_in_the_actions_zone() -> None:
    timing = {
        "mode": "field",
        "field": "preferred_date",
        "time_of_day": "14:30",
        "timezone": "Australia/Sydney",
    }
    recipient = {
        "id": "c1",
        "timezone": "America/New_York",
        "fields": {"preferred_date": "2026-12-03"},
    }

    meeting = only_meeting(planned(spec(timing, [recipient])))

    assert meeting["local_start"] == "2026-12-03T14:30:00+11:00"
    assert meeting["timezone"] == "Australia/Sydney"
    assert meeting["timezone_source"] == "action"


def test_a_field_date_without_a_time_of_day_is_skipped_with_a_reason() -> None:
    timing = {"mode": "field", "field": "preferred_date"}
    recipient = {"id": "c1", "fields": {"preferred_date": "2026-12-03"}}

    skip = only_skip(planned(spec(timing, [recipient])))

    assert skip["code"] == "no_time_of_day"
    assert skip["reason"] == (
        "field preferred_date holds only a date (2026-12-03) and timing.time_of_day is not set"
    )


def test_a_field_value_in_the_past_is_skipped() -> None:
    timing = {"mode": "field", "field": "preferred_at"}
    recipient = {"id": "c1", "fields": {"preferred_at": "2026-11-20T10:00"}}

    skip = only_skip(planned(spec(timing, [recipient])))

    assert skip["reason"] == "date in the past: 2026-11-20T10:00:00+00:00"


def test_a_field_value_exactly_now_is_not_in_the_past() -> None:
    timing = {"mode": "field", "field": "preferred_at"}
    recipient = {"id": "c1", "fields": {"preferred_at": "2026-11-21T09:00:00Z"}}

    assert only_meeting(planned(spec(timing, [recipient])))["start"] == "2026-11-21T09:00:00Z"


def test_seconds_fractions_are_dropped_because_plans_are_to_the_second() -> None:
    timing = {"mode": "field", "field": "preferred_at"}
    recipient = {"id": "c1", "fields": {"preferred_at": "2026-12-03T15:00:07.999Z"}}

    assert only_meeting(planned(spec(timing, [recipient])))["start"] == "2026-12-03T15:00:07Z"
