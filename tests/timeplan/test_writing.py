"""The plan written a piece at a time is, character for character, the JSON that
``json.dumps`` makes of the plan document: compact, or indented as before."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from convener.timeplan import (
    Plan,
    PlannedMeeting,
    SkippedRecipient,
    parse_spec,
    plan,
    plan_to_document,
)
from convener.timeplan.writing import write_plan

from .support import contacts, smart, spec


def written(result: Plan, indent: int | None) -> str:
    out = io.StringIO()
    write_plan(result, out, indent=indent)
    return out.getvalue()


def dumped(result: Plan, indent: int | None) -> str:
    document = plan_to_document(result)
    if indent is None:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(document, ensure_ascii=False, indent=indent)


def varied_plan() -> Plan:
    """Meetings with notes and DST adjustments, skips, plan notes, and ids that need escaping."""
    recipients: list[dict[str, Any]] = [
        {"id": 'q"uote\\d', "host": "h\u00e9", "fields": {"when": "2027-03-28T02:30"}},
        {"id": "tab\there", "host": None, "fields": {"when": "2027-10-31T02:30"}},
        {"id": "line\nbreak \u2028 \U0001f600", "fields": {"when": "2026-11-30"}},
        {"id": "no-field"},
        {"id": "past", "fields": {"when": "2020-01-01T10:00"}},
        {"id": "zone", "timezone": "Mars/Base", "fields": {"when": "2026-12-02T10:00"}},
    ]
    doc = spec({"mode": "field", "field": "when", "timezone": "Europe/Berlin"}, recipients)
    doc["timezone_chain"] = ["contact", "action"]
    return plan(parse_spec(doc))


def test_the_varied_plan_has_what_must_be_escaped_and_laid_out() -> None:
    result = varied_plan()

    assert {m.adjustment for m in result.meetings} >= {
        "dst_gap_shifted_forward",
        "dst_ambiguous_first_occurrence",
    }
    assert any(m.notes for m in result.meetings)
    assert result.skipped


@pytest.mark.parametrize("indent", [None, 0, 2, 4])
def test_written_plan_is_what_json_dumps_makes(indent: int | None) -> None:
    result = varied_plan()

    assert written(result, indent) == dumped(result, indent)


@pytest.mark.parametrize("indent", [None, 2])
def test_a_smart_plan_with_notes_and_many_meetings(indent: int | None) -> None:
    # more meetings than one batch, and a start in the past that the plan notes
    doc = spec(smart(start="2026-11-01T10:00"), contacts(12_000, host="u1"))
    result = plan(parse_spec(doc))

    assert result.notes
    assert written(result, indent) == dumped(result, indent)


@pytest.mark.parametrize("indent", [None, 2])
def test_an_empty_plan_has_empty_lists(indent: int | None) -> None:
    assert written(Plan(), indent) == dumped(Plan(), indent)


def test_only_skips_and_only_meetings() -> None:
    skips = Plan(skipped=[SkippedRecipient("a", "no_slot", "no slot within 366 days")])
    meetings = Plan(meetings=[PlannedMeeting("a", None, 0, 60, "UTC", "default")])

    for result in (skips, meetings):
        for indent in (None, 2):
            assert written(result, indent) == dumped(result, indent)
