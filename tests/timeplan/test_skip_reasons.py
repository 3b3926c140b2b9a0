"""Every recipient gets a meeting or a skip whose reason a person understands."""

from __future__ import annotations

from typing import Any

import pytest

from .support import only_skip, planned, spec

FIELD: dict[str, Any] = {"mode": "field", "field": "preferred_at", "timezone": "Europe/Berlin"}


@pytest.mark.parametrize(
    ("fields", "code", "reason"),
    [
        ({}, "field_empty", "field preferred_at is empty"),
        ({"preferred_at": None}, "field_empty", "field preferred_at is empty"),
        ({"preferred_at": ""}, "field_empty", "field preferred_at is empty"),
        ({"preferred_at": "   "}, "field_empty", "field preferred_at is empty"),
        (
            {"preferred_at": "tomorrow"},
            "not_a_date",
            "field preferred_at is not a date: 'tomorrow'",
        ),
        (
            {"preferred_at": "2026-02-30T10:00"},
            "not_a_date",
            "field preferred_at is not a date: '2026-02-30T10:00'",
        ),
        (
            {"preferred_at": "03/12/2026"},
            "not_a_date",
            "field preferred_at is not a date: '03/12/2026'",
        ),
        ({"preferred_at": 20261203}, "not_a_date", "field preferred_at is not a date: 20261203"),
        (
            {"preferred_at": "2026-12-03T25:00"},
            "not_a_date",
            "field preferred_at is not a date: '2026-12-03T25:00'",
        ),
        (
            {"preferred_at": "9999-12-03T10:00"},
            "date_out_of_range",
            "field preferred_at is out of range (years 1000 to 9000): '9999-12-03T10:00'",
        ),
        (
            {"preferred_at": "2026-11-20T10:00:00Z"},
            "date_in_the_past",
            "date in the past: 2026-11-20T10:00:00+00:00",
        ),
    ],
)
def test_a_field_that_gives_no_usable_date_is_skipped_with_its_reason(
    fields: dict[str, Any], code: str, reason: str
) -> None:
    skip = only_skip(planned(spec(FIELD, [{"id": "c1", "fields": fields}])))

    assert skip == {"id": "c1", "reason": reason, "code": code}


def test_every_recipient_is_planned_or_skipped_exactly_once_in_recipient_order() -> None:
    recipients = [
        {"id": "ok1", "fields": {"preferred_at": "2026-12-03T10:00"}},
        {"id": "empty", "fields": {}},
        {"id": "ok2", "fields": {"preferred_at": "2026-12-04"}},
        {"id": "bad", "fields": {"preferred_at": "soon"}},
        {"id": "past", "fields": {"preferred_at": "2020-01-01T10:00"}},
        {"id": "ok3", "fields": {"preferred_at": "2026-12-05T10:00+01:00"}},
    ]

    result = planned(spec({**FIELD, "time_of_day": "09:00"}, recipients))

    assert [m["id"] for m in result["meetings"]] == ["ok1", "ok2", "ok3"]
    assert [s["id"] for s in result["skipped"]] == ["empty", "bad", "past"]
