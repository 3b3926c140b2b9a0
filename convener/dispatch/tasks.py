"""Background tasks. They take ids and names, never objects, and are enqueued on commit.

`drain_lane` is a nudge: "this lane has work". The worker's dispatcher takes it from
there; without a dispatcher in the process the lane is drained inline.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django_tasks import task

from convener.dispatch import dispatcher


@task()
def drain_lane(lane: str) -> None:
    running = dispatcher.Dispatcher.current
    if running is not None:
        running.wake(lane)
    else:
        dispatcher.drain(lane)


def enqueue_lanes(lanes: Iterable[str]) -> None:
    """Nudge each lane once the surrounding transaction commits (invariant 7)."""
    unique = sorted(set(lanes))

    def enqueue() -> None:
        for lane in unique:
            drain_lane.enqueue(lane)

    transaction.on_commit(enqueue)
