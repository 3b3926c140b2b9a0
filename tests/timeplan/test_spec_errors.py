"""A malformed SPEC raises SpecError naming the key, never a traceback or a silent default."""

from __future__ import annotations

from typing import Any

import pytest

from convener.timeplan import SpecError, plan_document

from .support import smart, spec


def error_for(doc: object) -> SpecError:
    with pytest.raises(SpecError) as caught:
        plan_document(doc)
    return caught.value


def with_timing(**changes: Any) -> dict[str, Any]:
    return spec({**smart(), **changes})


# Every malformed SPEC below, with the key and message it gets; test_reading.py checks that
# reading the same SPECs from JSON text gives the very same errors.
MALFORMED: list[tuple[object, str, str]] = [
    (
        with_timing(window={"from": "10am", "to": "18:00"}),
        "timing.window.from",
        "expected HH:MM",
    ),
    (
        with_timing(window={"from": "10:00", "to": "10:00"}),
        "timing.window.to",
        "must be later than from (10:00)",
    ),
    (
        with_timing(window={"from": "18:00", "to": "10:00"}),
        "timing.window.to",
        "must be later than from (18:00)",
    ),
    (
        with_timing(window={"from": "24:00", "to": "24:00"}),
        "timing.window.from",
        "expected HH:MM (00:00 to 23:59)",
    ),
    (with_timing(window={"from": "10:00"}), "timing.window.to", "required"),
    (
        with_timing(mode="sometime"),
        "timing.mode",
        "must be one of immediate, delay, fixed, field, smart",
    ),
    (
        with_timing(gap_minute=10),
        "timing.gap_minute",
        "unknown key; known keys: at, days, delay, field, gap_minutes, horizon_days, "
        "max_per_host_per_day, mode, per_host, start, time_of_day, timezone, window",
    ),
    (with_timing(gap_minutes=-5), "timing.gap_minutes", "must be between 0 and 10080"),
    (with_timing(gap_minutes=2.5), "timing.gap_minutes", "expected a whole number"),
    (with_timing(timezone="Mars/Base"), "timing.timezone", "unknown time zone 'Mars/Base'"),
    (
        with_timing(days=[]),
        "timing.days",
        'expected "weekdays", "all" or a list of days such as ["mon", "tue"]',
    ),
    (
        with_timing(days=["mon", "funday"]),
        "timing.days[1]",
        "expected one of mon, tue, wed, thu, fri, sat, sun",
    ),
    (
        with_timing(start="2026-12-01"),
        "timing.start",
        "expected a date-time, like 2026-12-01T10:00 or 2026-12-01T10:00:00Z",
    ),
    (with_timing(per_host="yes"), "timing.per_host", "expected true or false"),
    (
        with_timing(max_per_host_per_day=0),
        "timing.max_per_host_per_day",
        "must be between 1 and 1440",
    ),
    (with_timing(horizon_days=0), "timing.horizon_days", "must be between 1 and 3660"),
    (with_timing(mode="delay"), "timing.delay", "required when mode is delay"),
    (with_timing(mode="fixed"), "timing.at", "required when mode is fixed"),
    (with_timing(mode="field"), "timing.field", "required when mode is field"),
    (
        with_timing(delay={"amount": 1, "unit": "fortnights"}),
        "timing.delay.unit",
        "must be one of minutes, hours, days, weeks, months",
    ),
    (
        with_timing(delay={"amount": -1, "unit": "days"}),
        "timing.delay.amount",
        "must be between 0 and 3660",
    ),
    (with_timing(time_of_day="9"), "timing.time_of_day", "expected HH:MM"),
    (
        spec(smart(), now="2026-11-21T09:00"),
        "now",
        "expected a date-time with Z or an offset, like 2026-11-21T09:00:00Z",
    ),
    (spec(smart(), duration_minutes=0), "duration_minutes", "must be between 5 and 1440"),
    (
        spec(smart(), default_timezone="Nowhere"),
        "default_timezone",
        "unknown time zone 'Nowhere'",
    ),
    (
        spec(smart(), timezone_chain=["contact", "contact"]),
        "timezone_chain[1]",
        "contact is listed twice",
    ),
    (
        spec(smart(), timezone_chain=["gps"]),
        "timezone_chain[0]",
        "must be one of browser, contact, action, default",
    ),
    ({**spec(smart()), "recipients": {"id": "c1"}}, "recipients", "expected a list"),
    (spec(smart(), recipients=[{"host": "u1"}]), "recipients[0].id", "required"),
    (spec(smart(), recipients=[{"id": 7}]), "recipients[0].id", "expected a non-empty string"),
    (
        spec(smart(), recipients=[{"id": "a"}, {"id": "a"}]),
        "recipients[1].id",
        "duplicate id 'a' (also recipients[0])",
    ),
    (
        spec(smart(), recipients=[{"id": "a", "timezone": 5}]),
        "recipients[0].timezone",
        "expected a string or null",
    ),
    (
        spec(smart(), recipients=[{"id": "a", "fields": []}]),
        "recipients[0].fields",
        "expected an object",
    ),
    (
        spec(smart(), recipients=[{"id": "a", "email": "x@example.com"}]),
        "recipients[0].email",
        "unknown key; known keys: browser_timezone, fields, host, id, timezone, triggered_at",
    ),
    (
        spec(
            smart(),
            busy={"u1": [{"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T09:00:00Z"}]},
        ),
        "busy.u1[0].end",
        "must be later than start",
    ),
    (
        spec(smart(), busy={"u1": [{"start": "2026-12-01T10:00", "end": "2026-12-01T11:00"}]}),
        "busy.u1[0].start",
        "expected a date-time with Z or an offset, like 2026-11-21T09:00:00Z",
    ),
    (
        spec(smart(), busy={"u1": "all day"}),
        "busy.u1",
        "expected a list of {start, end} objects",
    ),
    ({k: v for k, v in spec(smart()).items() if k != "timing"}, "timing", "required"),
    (
        {**spec(smart()), "extra": 1},
        "extra",
        "unknown key; known keys: busy, default_timezone, duration_minutes, now, recipients, "
        "timezone_chain, timing",
    ),
    ([], "", "expected a JSON object"),
]


@pytest.mark.parametrize(("doc", "key", "message"), MALFORMED)
def test_a_malformed_spec_names_the_key(doc: object, key: str, message: str) -> None:
    error = error_for(doc)

    assert (error.key, error.message) == (key, message)
    assert str(error) == (f"{key}: {message}" if key else message)


def test_a_spec_error_is_a_value_error() -> None:
    assert isinstance(error_for([]), ValueError)


def test_now_is_required_unless_the_caller_supplies_it() -> None:
    doc = {k: v for k, v in spec(smart()).items() if k != "now"}

    assert error_for(doc).key == "now"


def test_keys_of_other_modes_are_checked_too() -> None:
    doc = spec({"mode": "immediate", "window": {"from": "x", "to": "18:00"}})

    assert error_for(doc).key == "timing.window.from"


def test_null_means_the_default() -> None:
    timing = {**smart(), "per_host": None, "gap_minutes": None, "days": None, "window": None}
    doc = {**spec(timing), "default_timezone": None, "timezone_chain": None, "busy": None}

    assert plan_document(doc)["meetings"][0]["local_start"] == "2026-12-01T10:00:00+01:00"
