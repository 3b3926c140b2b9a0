"""Properties of smart scheduling over every IANA zone, 2000 to 2040, DST days included."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime
from typing import Any

from hypothesis import given, settings

from convener.timeplan import plan_document

from .strategies import SmartCase, smart_cases
from .support import utc

PROPERTY = settings(max_examples=120, deadline=None)


def timestamps(meeting: dict[str, Any]) -> tuple[int, int]:
    return int(utc(meeting["start"]).timestamp()), int(utc(meeting["end"]).timestamp())


def sequences(case: SmartCase, result: dict[str, Any]) -> dict[str | None, list[tuple[int, int]]]:
    """Each sequence's meetings, in output order (which is recipient order)."""
    grouped: dict[str | None, list[tuple[int, int]]] = defaultdict(list)
    for meeting in result["meetings"]:
        grouped[case.sequence_of(meeting["host"])].append(timestamps(meeting))
    return grouped


@PROPERTY
@given(smart_cases())
def test_no_two_meetings_of_one_host_overlap(case: SmartCase) -> None:
    for meetings in sequences(case, plan_document(case.doc)).values():
        ordered = sorted(meetings)
        for (_, end), (start, _) in itertools.pairwise(ordered):
            assert end <= start


@PROPERTY
@given(smart_cases())
def test_every_meeting_lies_inside_the_window_on_an_allowed_day(case: SmartCase) -> None:
    low, high = case.window
    for meeting in plan_document(case.doc)["meetings"]:
        start, end = timestamps(meeting)
        day = datetime.fromtimestamp(start, case.zone).date()
        assert day.weekday() in case.weekdays
        # Offsets change on whole minutes, so checking each minute (and the last second)
        # checks every instant of the meeting by its wall clock.
        for instant in [*range(start, end, 60), end - 1]:
            local = datetime.fromtimestamp(instant, case.zone)
            seconds = local.hour * 3600 + local.minute * 60 + local.second
            assert local.date() == day, meeting
            assert low <= seconds < high, meeting


@PROPERTY
@given(smart_cases())
def test_consecutive_meetings_of_a_host_are_at_least_the_gap_apart(case: SmartCase) -> None:
    for meetings in sequences(case, plan_document(case.doc)).values():
        for (_, end), (start, _) in itertools.pairwise(meetings):
            assert start >= end + case.gap


@PROPERTY
@given(smart_cases())
def test_no_meeting_overlaps_a_busy_interval_of_its_host(case: SmartCase) -> None:
    for meeting in plan_document(case.doc)["meetings"]:
        start, end = timestamps(meeting)
        for busy_start, busy_end in case.busy_for(meeting["host"]):
            assert end <= busy_start or busy_end <= start


@PROPERTY
@given(smart_cases())
def test_every_recipient_is_planned_or_skipped_exactly_once(case: SmartCase) -> None:
    result = plan_document(case.doc)
    planned = [m["id"] for m in result["meetings"]]
    skipped = [s["id"] for s in result["skipped"]]
    ids = [r["id"] for r in case.doc["recipients"]]

    assert sorted(planned + skipped) == sorted(ids)
    assert planned == [i for i in ids if i in set(planned)]  # recipient order is kept
    assert {s["reason"] for s in result["skipped"]} <= {f"no slot within {case.horizon_days} days"}


@PROPERTY
@given(smart_cases())
def test_local_start_and_start_agree(case: SmartCase) -> None:
    for meeting in plan_document(case.doc)["meetings"]:
        for local_key, utc_key in (("local_start", "start"), ("local_end", "end")):
            local = datetime.fromisoformat(meeting[local_key])
            instant = utc(meeting[utc_key])
            assert local == instant
            assert local.utcoffset() == instant.astimezone(case.zone).utcoffset()
        assert meeting["timezone"] == case.zone.key


@PROPERTY
@given(smart_cases())
def test_the_daily_cap_and_the_horizon_hold(case: SmartCase) -> None:
    result = plan_document(case.doc)
    first = max(
        int(utc(case.doc["now"]).timestamp()),
        min((timestamps(m)[0] for m in result["meetings"]), default=0),
    )
    per_day: dict[tuple[str | None, object], int] = defaultdict(int)
    for meeting in result["meetings"]:
        start, _ = timestamps(meeting)
        assert start >= int(utc(case.doc["now"]).timestamp())
        assert start < first + case.horizon_days * 86_400
        day = datetime.fromtimestamp(start, case.zone).date()
        per_day[case.sequence_of(meeting["host"]), day] += 1
    if case.max_per_day is not None:
        assert max(per_day.values(), default=0) <= case.max_per_day
