"""Smart scheduling: window, days, gap, busy intervals, daily cap, horizon, DST days."""

from __future__ import annotations

from .support import contacts, local_starts, only_skip, planned, smart, spec


def test_the_first_candidate_is_now_when_the_start_is_in_the_past() -> None:
    timing = smart(start="2026-11-01T10:00", timezone="UTC", window=None)

    result = planned(spec(timing, contacts(2)))

    assert [m["start"] for m in result["meetings"]] == [
        "2026-11-21T09:00:00Z",
        "2026-11-21T09:40:00Z",
    ]
    assert result["notes"] == [
        "timing.start 2026-11-01T10:00:00+00:00 is in the past; "
        "planning from now, 2026-11-21T09:00:00+00:00"
    ]


def test_without_a_start_the_sequence_begins_now_at_the_next_window() -> None:
    timing = smart(start=None)  # now is Saturday 10:00 in Berlin

    assert local_starts(planned(spec(timing, contacts(2))), "%a %d %H:%M") == [
        "Sat 21 10:00",
        "Sat 21 10:40",
    ]


def test_a_start_before_the_window_waits_for_the_window_to_open() -> None:
    timing = smart(start="2026-12-01T07:15")

    assert local_starts(planned(spec(timing, contacts(1))), "%H:%M") == ["10:00"]


def test_a_start_inside_the_window_is_used_as_it_is() -> None:
    timing = smart(start="2026-12-01T13:07")

    assert local_starts(planned(spec(timing, contacts(2))), "%H:%M") == ["13:07", "13:47"]


def test_a_meeting_moves_past_a_busy_interval_and_needs_no_gap_after_it() -> None:
    busy = {"u1": [{"start": "2026-12-01T09:45:00Z", "end": "2026-12-01T10:05:00Z"}]}

    result = planned(spec(smart(), contacts(3), busy=busy))

    # 10:00 fits; 10:40-11:10 local would overlap 10:45-11:05 local, so 11:05, then + 40.
    assert local_starts(result, "%H:%M") == ["10:00", "11:05", "11:45"]


def test_a_meeting_may_end_exactly_when_a_busy_interval_starts() -> None:
    busy = {"u1": [{"start": "2026-12-01T09:30:00Z", "end": "2026-12-01T10:00:00Z"}]}

    result = planned(spec(smart(), contacts(2), busy=busy))

    assert local_starts(result, "%H:%M") == ["10:00", "11:00"]


def test_busy_intervals_of_other_hosts_do_not_matter_per_host() -> None:
    busy = {"u2": [{"start": "2026-12-01T08:00:00Z", "end": "2026-12-01T12:00:00Z"}]}

    result = planned(spec(smart(), contacts(1), busy=busy))

    assert local_starts(result, "%H:%M") == ["10:00"]


def test_an_organization_sequence_is_one_sequence_for_all_hosts() -> None:
    recipients = [{"id": "a", "host": "u1"}, {"id": "b", "host": "u2"}, {"id": "c", "host": "u1"}]

    result = planned(spec(smart(per_host=False), recipients))

    assert local_starts(result, "%H:%M") == ["10:00", "10:40", "11:20"]
    assert [m["host"] for m in result["meetings"]] == ["u1", "u2", "u1"]


def test_an_organization_sequence_avoids_every_busy_interval_given() -> None:
    busy = {"u2": [{"start": "2026-12-01T09:00:00Z", "end": "2026-12-01T09:40:00Z"}]}

    result = planned(spec(smart(per_host=False), contacts(1), busy=busy))

    assert local_starts(result, "%H:%M") == ["10:40"]


def test_the_daily_cap_moves_the_rest_to_the_next_allowed_day() -> None:
    timing = smart(max_per_host_per_day=2, days=["tue", "thu"])

    result = planned(spec(timing, contacts(5)))

    assert local_starts(result, "%a %H:%M") == [
        "Tue 10:00",
        "Tue 10:40",
        "Thu 10:00",
        "Thu 10:40",
        "Tue 10:00",
    ]


def test_the_daily_cap_counts_each_host_separately() -> None:
    recipients = [*contacts(2, "u1"), {"id": "x", "host": "u2"}]

    result = planned(spec(smart(max_per_host_per_day=1), recipients))

    assert local_starts(result, "%a %H:%M") == ["Tue 10:00", "Wed 10:00", "Tue 10:00"]


def test_recipients_with_no_slot_within_the_horizon_are_skipped() -> None:
    timing = smart(horizon_days=1, window={"from": "10:00", "to": "11:00"})

    result = planned(spec(timing, contacts(3)))

    assert local_starts(result, "%H:%M") == ["10:00"]
    assert result["skipped"] == [
        {"id": "c2", "reason": "no slot within 1 days", "code": "no_slot"},
        {"id": "c3", "reason": "no slot within 1 days", "code": "no_slot"},
    ]


def test_the_default_horizon_is_366_days() -> None:
    timing = smart(days=["mon"], window={"from": "10:00", "to": "10:30"}, max_per_host_per_day=1)

    result = planned(spec(timing, contacts(60)))

    # Every Monday from 2026-12-07 to 2027-11-29; 2027-12-06 is past 2027-12-02 10:00.
    assert len(result["meetings"]) == 52
    assert result["meetings"][-1]["local_start"] == "2027-11-29T10:00:00+01:00"
    assert result["skipped"][0]["reason"] == "no slot within 366 days"


def test_a_meeting_longer_than_the_window_is_skipped() -> None:
    timing = smart(window={"from": "10:00", "to": "10:20"}, horizon_days=3)

    assert only_skip(planned(spec(timing, contacts(1))))["code"] == "no_slot"


def test_a_window_to_24_00_runs_to_midnight() -> None:
    timing = smart(start="2026-12-01T23:00", window={"from": "22:00", "to": "24:00"}, gap_minutes=0)

    assert local_starts(planned(spec(timing, contacts(3))), "%a %H:%M") == [
        "Tue 23:00",
        "Tue 23:30",
        "Wed 22:00",
    ]


def test_on_the_spring_forward_day_the_window_opens_at_the_same_wall_clock_time() -> None:
    timing = smart(
        start="2027-03-27T10:00",
        window={"from": "10:00", "to": "11:00"},
        gap_minutes=0,
        max_per_host_per_day=1,
    )

    result = planned(spec(timing, contacts(3)))

    assert [m["local_start"] for m in result["meetings"]] == [
        "2027-03-27T10:00:00+01:00",
        "2027-03-28T10:00:00+02:00",
        "2027-03-29T10:00:00+02:00",
    ]


def test_a_window_inside_the_spring_gap_is_shorter_by_the_gap() -> None:
    # Berlin skips 02:00-03:00 on 2026-03-29: a 02:00-04:00 window is one hour that night.
    timing = smart(start="2026-03-29T00:00", window={"from": "02:00", "to": "04:00"}, gap_minutes=0)
    result = planned(spec(timing, contacts(6), now="2026-03-01T00:00:00Z"))

    assert [m["local_start"] for m in result["meetings"]] == [
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T03:30:00+02:00",
        "2026-03-30T02:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
        "2026-03-30T03:00:00+02:00",
        "2026-03-30T03:30:00+02:00",
    ]


def test_a_window_the_clocks_go_back_through_is_open_for_both_passes() -> None:
    # New York repeats 01:00-02:00 on 2026-11-01; a 00:00-01:30 window then holds 00:00-01:30
    # EDT and 01:00-01:30 EST, judged by the wall clock.
    timing = smart(
        start="2026-11-01T00:00",
        window={"from": "00:00", "to": "01:30"},
        gap_minutes=0,
        timezone="America/New_York",
        days="all",
        max_per_host_per_day=None,
    )
    result = planned(spec(timing, contacts(5), now="2026-10-01T00:00:00Z"))

    assert [m["local_start"] for m in result["meetings"]] == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T00:30:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-02T00:00:00-05:00",
    ]


def test_a_meeting_may_run_through_a_transition_inside_the_window() -> None:
    timing = smart(start="2026-03-29T01:30", window={"from": "01:00", "to": "05:00"}, gap_minutes=0)

    result = planned(spec(timing, contacts(2), now="2026-03-01T00:00:00Z", duration_minutes=60))

    assert [(m["local_start"], m["local_end"]) for m in result["meetings"]] == [
        ("2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00"),
        ("2026-03-29T03:30:00+02:00", "2026-03-29T04:30:00+02:00"),
    ]


def test_a_smart_start_in_a_dst_gap_moves_forward_and_the_plan_says_so() -> None:
    timing = smart(start="2026-03-29T02:30", window=None)

    result = planned(spec(timing, contacts(1), now="2026-03-01T00:00:00Z"))

    assert result["meetings"][0]["local_start"] == "2026-03-29T03:30:00+02:00"
    assert result["notes"] == [
        "timing.start: 2026-03-29T02:30 does not exist in Europe/Berlin (clocks jump forward "
        "1 hour); moved forward to 2026-03-29T03:30:00+02:00"
    ]
