"""A SPEC read from JSON text (what `convener plan` does) is the SPEC read from parsed JSON:
the same plan, and for a malformed one the same error naming the same key."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convener.timeplan import PlanSpec, SpecError, parse_spec, plan, plan_document
from convener.timeplan.fields import MAX_YEAR, MIN_YEAR, Instant, parse_when
from convener.timeplan.parse import _instant
from convener.timeplan.reading import read_spec

from .support import contacts, smart, spec
from .test_spec_errors import MALFORMED


def plain_error(text: str) -> tuple[str, str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(json.loads(text))
    return caught.value.key, caught.value.message


def read_error(text: str) -> tuple[str, str]:
    with pytest.raises(SpecError) as caught:
        read_spec(text)
    return caught.value.key, caught.value.message


@pytest.mark.parametrize(("doc", "key", "message"), MALFORMED)
def test_every_malformed_spec_gets_the_same_error_read_from_text(
    doc: object, key: str, message: str
) -> None:
    assert read_error(json.dumps(doc)) == (key, message)


RECIPIENT_PROBLEMS: list[tuple[list[Any], str, str]] = [
    ([{"id": "a"}, {"id": ""}], "recipients[1].id", "expected a non-empty string"),
    (
        [{"id": "a"}, {"id": "b"}, {"id": "a"}],
        "recipients[2].id",
        "duplicate id 'a' (also recipients[0])",
    ),
    (
        [{"id": "a", "triggered_at": "tomorrow"}],
        "recipients[0].triggered_at",
        "expected a date-time with Z or an offset, like 2026-11-21T09:00:00Z",
    ),
    # A bad instant comes before a repeated id further down: the first recipient is named.
    (
        [{"id": "a"}, {"id": "b", "triggered_at": "2026-11-21T09:00"}, {"id": "a"}],
        "recipients[1].triggered_at",
        "expected a date-time with Z or an offset, like 2026-11-21T09:00:00Z",
    ),
    # And a repeated id before a bad instant further down.
    (
        [{"id": "a"}, {"id": "a"}, {"id": "b", "triggered_at": "never"}],
        "recipients[1].id",
        "duplicate id 'a' (also recipients[0])",
    ),
    # Wrong JSON types and unknown keys are read the plain way: the message is the same.
    ([{"id": "a"}, {"id": "b", "host": 3}], "recipients[1].host", "expected a string or null"),
    ([{"id": "a", "triggered_at": 5}], "recipients[0].triggered_at", "expected a date-time"),
    ([{"id": "a"}, "b"], "recipients[1]", "expected a JSON object"),
    ([{"id": "a", "fields": []}], "recipients[0].fields", "expected an object"),
    ([{"id": "a", "emial": "x"}], "recipients[0].emial", "unknown key"),
    ([{"id": None}], "recipients[0].id", "required"),
]


@pytest.mark.parametrize(("recipients", "key", "message"), RECIPIENT_PROBLEMS)
def test_a_bad_recipient_is_named_as_the_plain_reading_names_it(
    recipients: list[Any], key: str, message: str
) -> None:
    text = json.dumps(spec(smart(), recipients))

    found = read_error(text)

    assert found == plain_error(text)
    assert found[0] == key and found[1].startswith(message)


def test_a_bad_setting_is_named_before_any_recipient_wherever_it_stands() -> None:
    # recipients come first in the text, yet the timing is checked first, as always
    doc = spec(smart(window={"from": "ten", "to": "18:00"}), [{"id": ""}])
    text = json.dumps({"recipients": doc.pop("recipients"), **doc})

    assert read_error(text) == ("timing.window.from", "expected HH:MM")


@pytest.mark.parametrize(
    "text",
    ['{"now": ', "[1, 2", "", '{"a": 1} x', '{"recipients": [{"id": "a"},]}'],
)
def test_text_that_is_not_json_gets_the_same_message(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as plain:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as read:
        read_spec(text)

    assert str(read.value) == str(plain.value)


def test_what_only_pythons_reader_takes_is_read_as_before() -> None:
    # NaN is not JSON, but json.loads reads it: the SPEC then fails on the number, as before.
    text = json.dumps(spec(smart(), contacts(1))).replace(
        '"duration_minutes": 30', '"duration_minutes": NaN'
    )

    assert read_error(text) == ("duration_minutes", "expected a whole number")


def full_spec() -> dict[str, Any]:
    recipients: list[dict[str, Any]] = [
        {"id": "r1", "host": "u1", "timezone": "Asia/Tokyo", "browser_timezone": None},
        {"id": "r2", "host": None, "fields": {"demo": "2026-12-03T15:00", "n": 4}},
        {"id": 'r3 ü "quoted"', "host": "u2", "triggered_at": "2026-11-21T10:00:00+01:00"},
        {"id": "r4", "browser_timezone": "America/New_York", "fields": None},
    ]
    busy = {"u1": [{"start": "2026-12-01T09:00:00Z", "end": "2026-12-01T10:00:00Z"}]}
    return spec(smart(), recipients, busy=busy)


@pytest.mark.parametrize(
    "timing",
    [
        smart(),
        {"mode": "immediate"},
        {"mode": "delay", "delay": {"amount": 2, "unit": "days"}},
        {"mode": "field", "field": "demo", "time_of_day": "09:30"},
    ],
)
def test_a_good_spec_read_from_text_is_the_same_spec(timing: dict[str, Any]) -> None:
    doc = {**full_spec(), "timing": timing}
    text = json.dumps(doc)

    read: PlanSpec = read_spec(text)

    assert read == parse_spec(json.loads(text))
    assert plan(read) == plan(parse_spec(doc))
    assert read.recipients[2].triggered_at is not None


def test_a_plan_read_from_text_gives_the_same_document() -> None:
    doc = full_spec()

    assert plan_document(json.loads(json.dumps(doc))) == plan_document(doc)
    assert len(plan(read_spec(json.dumps(doc))).meetings) == 4


@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)))
def test_an_instant_in_its_usual_form_reads_as_the_general_reader_reads_it(
    moment: datetime,
) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%SZ").rjust(20, "0")
    general = parse_when(text)

    try:
        fast: int | str = _instant(text, "busy.u1[0].start")
    except SpecError as error:
        fast = error.message
    assert isinstance(general, Instant)
    expected = general.ts if MIN_YEAR <= moment.year <= MAX_YEAR else "year must be between"
    assert fast == expected or str(fast).startswith(str(expected))


@pytest.mark.parametrize(
    "text", ["2026-02-30T10:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T10:00:60Z"]
)
def test_an_impossible_instant_in_the_usual_form_is_refused_as_before(text: str) -> None:
    with pytest.raises(SpecError) as caught:
        _instant(text, "busy.u1[0].start")

    assert caught.value.message.startswith("expected a date-time with Z or an offset")


def test_recipients_without_triggered_at_are_read_as_the_same_recipients() -> None:
    text = json.dumps(spec(smart(), contacts(3, timezone="Asia/Tokyo")))

    read = read_spec(text)

    assert read == parse_spec(json.loads(text))
    assert [r.timezone for r in read.recipients] == ["Asia/Tokyo"] * 3
