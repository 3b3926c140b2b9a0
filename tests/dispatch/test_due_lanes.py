"""Which lanes the worker looks at for due work: with more lanes due than it looks at in
one go, it goes on from where it stopped, so every lane is reached in turn."""

from __future__ import annotations

import pytest

from convener.dispatch.dispatcher import due_lanes
from tests.dispatch.support import meeting_in

pytestmark = pytest.mark.django_db


def due_in(lane: str, *, due: bool = True) -> None:
    meeting_in(lane, due_seconds_ago=1 if due else None)


def test_every_due_lane_is_reached_in_turn_when_more_are_due_than_looked_at_at_once() -> None:
    for lane in ["jitsi:e", "jitsi:a", "jitsi:c", "jitsi:d", "jitsi:b"]:
        due_in(lane)
        due_in(lane)  # two due meetings: one lane still
    due_in("jitsi:z", due=False)

    first = due_lanes(2)
    second = due_lanes(2, after=first[-1])
    third = due_lanes(2, after=second[-1])

    assert (first, second, third) == (
        ["jitsi:a", "jitsi:b"],
        ["jitsi:c", "jitsi:d"],
        ["jitsi:e", "jitsi:a"],  # round again from the start
    )
    assert due_lanes(10, after="jitsi:c") == ["jitsi:d", "jitsi:e", "jitsi:a", "jitsi:b", "jitsi:c"]
