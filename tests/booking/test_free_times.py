"""The free times of a page, computed from its rules and the hosts' busy times: wall-clock
hours on both sides of a DST change, buffers, notice, horizon, daily maximum, overrides,
and the team rules (round robin, collective)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from convener.booking.slots import (
    HostTimes,
    Rules,
    candidates,
    free_for_host,
    pick_round_robin,
    team_free,
)

NINE_TO_FIVE = {day: [(time(9), time(17))] for day in range(5)}
HALF_HOUR = timedelta(minutes=30)


def rules(**values: object) -> Rules:
    return Rules(zone="America/New_York", weekly=NINE_TO_FIVE, **values)  # type: ignore[arg-type]


def starts_on(found: list, day: date) -> list[datetime]:  # type: ignore[type-arg]
    return [c.start for c in found if c.day == day]


def test_nine_to_five_is_wall_clock_on_both_sides_of_the_spring_change() -> None:
    # 2030-03-10 is the Sunday New York moves from EST (UTC-5) to EDT (UTC-4).
    now = datetime(2030, 3, 1, tzinfo=UTC)
    found = candidates(rules(horizon_days=30), HALF_HOUR, now)

    friday = starts_on(found, date(2030, 3, 8))
    monday = starts_on(found, date(2030, 3, 11))
    assert friday[0] == datetime(2030, 3, 8, 14, tzinfo=UTC)  # 09:00 EST
    assert monday[0] == datetime(2030, 3, 11, 13, tzinfo=UTC)  # 09:00 EDT
    assert len(friday) == len(monday) == 16
    assert monday[-1] == datetime(2030, 3, 11, 20, 30, tzinfo=UTC)  # 16:30 EDT


def test_hours_through_a_dst_gap_start_when_the_clock_does() -> None:
    night = Rules(zone="America/New_York", weekly={6: [(time(2), time(4))]}, horizon_days=20)
    found = candidates(night, HALF_HOUR, datetime(2030, 3, 1, tzinfo=UTC))

    sunday = starts_on(found, date(2030, 3, 10))
    # 02:00 does not exist that night: the window opens at 03:00 EDT (07:00 UTC).
    assert sunday[0] == datetime(2030, 3, 10, 7, tzinfo=UTC)
    assert sunday[-1] == datetime(2030, 3, 10, 7, 30, tzinfo=UTC)


def test_minimum_notice_and_horizon_bound_the_times() -> None:
    now = datetime(2030, 1, 7, 15, tzinfo=UTC)  # Monday 10:00 in New York
    found = candidates(rules(minimum_notice=timedelta(hours=2), horizon_days=1), HALF_HOUR, now)

    assert found[0].start == datetime(2030, 1, 7, 17, tzinfo=UTC)  # 12:00, two hours on
    assert found[-1].start <= now + timedelta(days=1)


def test_a_date_override_replaces_the_weekday_and_an_empty_one_is_a_day_off() -> None:
    now = datetime(2030, 1, 6, tzinfo=UTC)
    found = candidates(
        rules(overrides={date(2030, 1, 7): [(time(10), time(11))], date(2030, 1, 8): []}),
        HALF_HOUR,
        now,
    )

    assert starts_on(found, date(2030, 1, 7)) == [
        datetime(2030, 1, 7, 15, tzinfo=UTC),
        datetime(2030, 1, 7, 15, 30, tzinfo=UTC),
    ]
    assert starts_on(found, date(2030, 1, 8)) == []
    assert starts_on(found, date(2030, 1, 5)) == []  # a Saturday


def test_busy_times_and_buffers_take_the_times_around_them() -> None:
    now = datetime(2030, 1, 6, tzinfo=UTC)
    day = date(2030, 1, 7)
    busy = [(datetime(2030, 1, 7, 16, tzinfo=UTC), datetime(2030, 1, 7, 17, tzinfo=UTC))]
    plain = rules(horizon_days=2)
    buffered = rules(
        horizon_days=2, buffer_before=timedelta(minutes=15), buffer_after=timedelta(minutes=15)
    )

    free = starts_on(
        free_for_host(plain, HALF_HOUR, candidates(plain, HALF_HOUR, now), HostTimes(busy)), day
    )
    padded = starts_on(
        free_for_host(buffered, HALF_HOUR, candidates(buffered, HALF_HOUR, now), HostTimes(busy)),
        day,
    )

    eleven, noon = datetime(2030, 1, 7, 16, tzinfo=UTC), datetime(2030, 1, 7, 17, tzinfo=UTC)
    half_past_ten = datetime(2030, 1, 7, 15, 30, tzinfo=UTC)
    assert eleven not in free and eleven + HALF_HOUR not in free
    assert half_past_ten in free and noon in free
    assert half_past_ten not in padded and noon not in padded


def test_a_day_at_its_maximum_offers_nothing_more() -> None:
    now = datetime(2030, 1, 6, tzinfo=UTC)
    limited = rules(max_per_day=2, horizon_days=3)
    host = HostTimes(booked_per_day={date(2030, 1, 7): 2})

    free = free_for_host(limited, HALF_HOUR, candidates(limited, HALF_HOUR, now), host)

    assert starts_on(free, date(2030, 1, 7)) == []
    assert starts_on(free, date(2030, 1, 8))


def test_a_host_whose_calendar_cannot_be_read_has_no_free_time() -> None:
    now = datetime(2030, 1, 6, tzinfo=UTC)
    found = candidates(rules(), HALF_HOUR, now)

    assert free_for_host(rules(), HALF_HOUR, found, HostTimes(unavailable="timeout")) == []


def test_round_robin_offers_a_time_any_host_is_free_and_collective_only_when_all_are() -> None:
    now = datetime(2030, 1, 6, tzinfo=UTC)
    eleven = datetime(2030, 1, 7, 16, tzinfo=UTC)
    hosts = {1: HostTimes([(eleven, eleven + HALF_HOUR)]), 2: HostTimes()}

    any_free = team_free(rules(horizon_days=2), HALF_HOUR, now, hosts, everyone=False)
    all_free = team_free(rules(horizon_days=2), HALF_HOUR, now, hosts, everyone=True)

    assert any_free[eleven] == [2]
    assert eleven not in all_free
    assert all_free[eleven + HALF_HOUR] == [1, 2]


def test_round_robin_gives_the_least_recently_booked_host_unless_the_owner_is_free() -> None:
    earlier, later = datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC)

    assert pick_round_robin([1, 2, 3], {1: later, 2: earlier, 3: later}) == 2
    assert pick_round_robin([1, 2, 3], {1: later, 2: earlier}) == 3  # never booked
    assert pick_round_robin([1, 2, 3], {1: later, 2: earlier}, preferred=1) == 1
    assert pick_round_robin([2, 3], {2: earlier}, preferred=1) == 3


def test_a_span_computes_only_its_own_starts_the_same_as_the_whole_horizon() -> None:
    now = datetime(2030, 1, 7, 15, tzinfo=UTC)
    whole = candidates(rules(horizon_days=30), HALF_HOUR, now)
    span = (datetime(2030, 1, 14, 18, 30, tzinfo=UTC), datetime(2030, 1, 21, 18, 30, tzinfo=UTC))

    part = candidates(rules(horizon_days=30), HALF_HOUR, now, span)

    assert part == [c for c in whole if span[0] <= c.start < span[1]]
    assert part[0].start == span[0] and part[-1].start < span[1]
    # Past the horizon, nothing, however wide the span.
    late = (now + timedelta(days=31), now + timedelta(days=60))
    assert candidates(rules(horizon_days=30), HALF_HOUR, now, late) == []
