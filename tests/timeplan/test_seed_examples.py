"""The timing examples of the seed document, as stated there."""

from __future__ import annotations

from collections import defaultdict

from .support import contacts, local_starts, only_meeting, planned, smart, spec


def test_a_10_00_start_with_30_minutes_and_a_10_minute_gap_gives_10_00_10_40_11_20() -> None:
    result = planned(spec(smart(), contacts(3), duration_minutes=30))

    assert local_starts(result, "%H:%M") == ["10:00", "10:40", "11:20"]
    assert [m["end"] for m in result["meetings"]] == [
        "2026-12-01T09:30:00Z",
        "2026-12-01T10:10:00Z",
        "2026-12-01T10:50:00Z",
    ]


def test_100_contacts_over_5_owners_get_independent_sequences_per_owner() -> None:
    recipients = [{"id": f"c{n}", "host": f"owner{n % 5}"} for n in range(100)]

    result = planned(spec(smart(per_host=True), recipients))

    assert result["skipped"] == []
    by_owner: dict[str, list[dict[str, object]]] = defaultdict(list)
    for meeting in result["meetings"]:
        by_owner[str(meeting["host"])].append(meeting)
    assert sorted(by_owner) == [f"owner{n}" for n in range(5)]
    sequences = {owner: [m["local_start"] for m in ms] for owner, ms in by_owner.items()}
    # Each owner's 20 meetings follow the same rules from the same start, independently.
    assert len(set(map(tuple, sequences.values()))) == 1
    assert sequences["owner0"][:3] == [
        "2026-12-01T10:00:00+01:00",
        "2026-12-01T10:40:00+01:00",
        "2026-12-01T11:20:00+01:00",
    ]
    # Each owner's meetings keep the order of that owner's contacts.
    for owner, meetings in by_owner.items():
        ids = [int(str(m["id"])[1:]) for m in meetings]
        assert ids == sorted(ids), owner


def test_a_meeting_that_would_end_past_the_window_continues_on_the_next_valid_slot() -> None:
    # 10:00-18:00 holds 12 meetings of 30 + 10 minutes; the 12th ends 17:50, a 13th would end
    # 18:30.
    result = planned(spec(smart(), contacts(14)))

    starts = local_starts(result)
    assert starts[11] == "Tue 17:20"
    assert starts[12:] == ["Wed 10:00", "Wed 10:40"]


def test_weekends_are_skipped_when_only_weekdays_are_allowed() -> None:
    # Friday 2026-12-04 from 17:00: one meeting fits that day, the next is on Monday.
    timing = smart(start="2026-12-04T17:00", days="weekdays")

    result = planned(spec(timing, contacts(3)))

    assert local_starts(result, "%a %d %H:%M") == ["Fri 04 17:00", "Mon 07 10:00", "Mon 07 10:40"]


def test_a_10_00_submission_with_a_1_hour_delay_is_scheduled_at_11_00() -> None:
    timing = {"mode": "delay", "delay": {"amount": 1, "unit": "hours"}, "timezone": "Europe/Berlin"}
    recipient = {"id": "c1", "host": "u1", "triggered_at": "2026-12-01T10:00:00+01:00"}

    meeting = only_meeting(planned(spec(timing, [recipient])))

    assert meeting["local_start"] == "2026-12-01T11:00:00+01:00"
    assert meeting["start"] == "2026-12-01T10:00:00Z"
    assert meeting["timezone_source"] == "action"
