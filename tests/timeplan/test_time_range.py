"""The planner keeps every meeting between 2000-01-01 and 10 years after `now`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from convener.timeplan import plan_document, start_problem, wall_problem
from convener.timeplan.bounds import latest_start_ts
from tests.timeplan.support import NOW, smart, spec

NOW_TS = int(datetime.fromisoformat(NOW).timestamp())


def only_skip(doc: dict[str, Any]) -> dict[str, Any]:
    result = plan_document(doc)
    assert result["meetings"] == []
    (skip,) = result["skipped"]
    return dict(skip)


def test_a_fixed_time_more_than_ten_years_ahead_is_skipped_as_out_of_range() -> None:
    skip = only_skip(spec({"mode": "fixed", "at": "2036-11-22T09:00:00Z"}))
    assert skip["code"] == "date_out_of_range"
    assert "10 years" in skip["reason"]


def test_a_fixed_time_ten_years_ahead_to_the_minute_is_planned() -> None:
    result = plan_document(spec({"mode": "fixed", "at": "2036-11-21T09:00:00Z"}))
    assert len(result["meetings"]) == 1


def test_a_field_value_in_year_8000_is_skipped_as_out_of_range() -> None:
    recipients = [{"id": "c1", "timezone": "Asia/Tokyo", "fields": {"at": "8000-01-01T10:00"}}]
    skip = only_skip(spec({"mode": "field", "field": "at"}, recipients))
    assert skip["code"] == "date_out_of_range"


def test_a_delay_past_ten_years_is_skipped_as_out_of_range() -> None:
    skip = only_skip(spec({"mode": "delay", "delay": {"amount": 3660, "unit": "days"}}))
    assert skip["code"] == "date_out_of_range"


def test_smart_scheduling_from_a_start_past_ten_years_skips_everyone() -> None:
    skip = only_skip(spec(smart(start="2040-01-03T10:00")))
    assert skip["code"] == "date_out_of_range"


def test_ten_years_after_a_29_february_is_the_28th() -> None:
    leap = int(datetime(2028, 2, 29, 12, tzinfo=UTC).timestamp())
    assert datetime.fromtimestamp(latest_start_ts(leap), UTC) == datetime(
        2038, 2, 28, 12, tzinfo=UTC
    )


def test_the_bounds_say_why_in_words_and_never_overflow() -> None:
    assert start_problem(NOW_TS, NOW_TS) is None
    assert "2000-01-01" in (start_problem(0, NOW_TS) or "")
    assert wall_problem(datetime(1, 1, 1), NOW_TS) is not None
    assert wall_problem(datetime(9999, 12, 31, 23, 59), NOW_TS) is not None
    assert wall_problem(datetime(2026, 12, 1, 10), NOW_TS) is None
