"""How many meetings a worker holds at once follows how long they take from claim to
finish, so that none waits in the worker until its lease runs out (`Holding`)."""

from __future__ import annotations

from convener.dispatch.holding import Holding


def _run(holding: Holding, start: float, seconds: int, took: float) -> float:
    """A second at a time, meetings finish `took` seconds after their claim."""
    now = start
    for _ in range(seconds):
        now += 1.0
        holding.finished(10, since=now - took, now=now)
    return now


def test_a_worker_starts_by_holding_a_couple_of_batches() -> None:
    assert Holding(floor=64, ceiling=512, lease_seconds=120, now=0.0).limit() == 64


def test_meetings_done_well_within_half_a_lease_let_the_worker_hold_more_up_to_its_ceiling() -> (
    None
):
    holding = Holding(floor=64, ceiling=512, lease_seconds=120, now=0.0)

    _run(holding, 0.0, 2, took=0.7)
    grown = holding.limit()
    _run(holding, 2.0, 20, took=0.7)

    assert 64 < grown < 512
    assert holding.limit() == 512


def test_a_slow_provider_is_no_reason_to_hold_less() -> None:
    # 3 s answers under a 15 s lease: the meetings wait on the network, done in time.
    holding = Holding(floor=64, ceiling=512, lease_seconds=15, now=0.0)

    _run(holding, 0.0, 10, took=3.5)

    assert holding.limit() > 200


def test_a_starved_worker_holds_less_but_never_less_than_its_floor() -> None:
    holding = Holding(floor=64, ceiling=512, lease_seconds=10, now=0.0)
    now = _run(holding, 0.0, 10, took=1.0)
    assert holding.limit() == 512

    # Then the machine got busy: meetings take 8 s from claim to finish, past half a lease.
    now = _run(holding, now, 3, took=8.0)
    assert holding.limit() < 512
    _run(holding, now, 20, took=8.0)
    assert holding.limit() == 64
