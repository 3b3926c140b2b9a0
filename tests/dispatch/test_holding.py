"""How many meetings a worker holds at once follows how fast it gets through them, so
that none waits in the worker long enough for its lease to run out."""

from __future__ import annotations

from convener.dispatch.holding import Holding


def test_a_worker_that_has_finished_nothing_yet_holds_a_couple_of_batches() -> None:
    holding = Holding(floor=64, ceiling=512, lease_seconds=10)

    assert holding.limit(now=holding.began + 5) == 64


def test_a_worker_holds_what_it_finishes_in_a_quarter_of_its_lease() -> None:
    holding = Holding(floor=64, ceiling=512, lease_seconds=120)
    start = holding.began
    for second in range(10):
        holding.finished(8, now=start + second)  # 8 a second: 240 in 30 s

    assert holding.limit(now=start + 10) == 8 * 120 // 4


def test_a_fast_worker_is_held_to_its_ceiling_and_a_slow_one_to_its_floor() -> None:
    fast = Holding(floor=64, ceiling=512, lease_seconds=120)
    slow = Holding(floor=64, ceiling=512, lease_seconds=10)
    for second in range(10):
        fast.finished(200, now=fast.began + second)
        slow.finished(5, now=slow.began + second)

    assert fast.limit(now=fast.began + 10) == 512
    assert slow.limit(now=slow.began + 10) == 64


def test_the_pace_is_the_recent_one() -> None:
    holding = Holding(floor=1, ceiling=10_000, lease_seconds=40)
    start = holding.began
    for second in range(10):
        holding.finished(100, now=start + second)
    # Then the machine got busy: 10 a second for the last ten seconds.
    for second in range(10, 20):
        holding.finished(10, now=start + second)

    assert holding.pace(now=start + 20) == 10
    assert holding.limit(now=start + 20) == 10 * 40 // 4
