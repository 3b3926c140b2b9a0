"""Leasing due meetings across many lanes at once: each lane gives at most its room, the
oldest due first, and nothing held, not yet due or already given to another worker."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from convener.dispatch.claiming import LANES_PER_STATEMENT, claim, claim_lanes
from convener.meetings.models import Meeting
from tests.dispatch.support import meeting_in

pytestmark = pytest.mark.django_db


def test_each_lane_gives_its_room_oldest_due_first_and_nothing_held_or_not_yet_due() -> None:
    newer = meeting_in("jitsi:a", due_seconds_ago=1)
    oldest = meeting_in("jitsi:a", due_seconds_ago=30)
    middle = meeting_in("jitsi:a", due_seconds_ago=10)
    meeting_in("jitsi:a", due_seconds_ago=60, leased=True)
    later = meeting_in("jitsi:a", due_seconds_ago=-60)  # due in a minute
    only_b = meeting_in("jitsi:b")
    meeting_in("jitsi:c")

    claimed = claim_lanes({"jitsi:a": 2, "jitsi:b": 5, "jitsi:c": 0, "jitsi:none": 3})

    assert claimed == {"jitsi:a": [oldest, middle], "jitsi:b": [only_b]}
    leased = set(Meeting.objects.filter(lease_until__isnull=False).values_list("pk", flat=True))
    assert {oldest, middle, only_b} <= leased
    assert newer not in leased and later not in leased
    # What was leased is held: a second claim takes the rest, never the same meetings.
    assert claim("jitsi:a", 5) == [newer]


def test_a_meeting_whose_lease_ran_out_is_claimed_again() -> None:
    stale = meeting_in("jitsi:a")
    Meeting.objects.filter(pk=stale).update(lease_until=timezone.now() - timedelta(seconds=1))

    assert claim("jitsi:a", 1) == [stale]


def test_more_lanes_than_one_statement_takes_are_all_claimed() -> None:
    lanes = [f"jitsi:{index:03}" for index in range(LANES_PER_STATEMENT + 20)]
    for lane in lanes:
        meeting_in(lane)

    claimed = claim_lanes(dict.fromkeys(lanes, 1))

    assert sorted(claimed) == lanes
    assert all(len(ids) == 1 for ids in claimed.values())


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_take_the_same_meeting() -> None:
    ids = [meeting_in("jitsi:a") for _ in range(6)]
    first_claimed = threading.Event()
    second: list[int] = []

    def other_worker() -> None:
        try:
            first_claimed.wait(10)
            second.extend(claim("jitsi:a", 4))
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    with transaction.atomic():
        first = claim("jitsi:a", 4)
        first_claimed.set()
        if connection.vendor == "postgresql":
            # The other worker claims while this one's rows are still locked: it skips
            # them rather than waiting. (SQLite lets it in after this commit.)
            thread.join(10)
            assert not thread.is_alive()
    thread.join(10)

    assert len(first) == 4
    assert len(second) == 2
    assert sorted(first + second) == sorted(ids)
