"""Lane pacing, on the database and on Redis: the same behaviour from both clocks."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
import redis

from convener.crm.models import Contact
from convener.dispatch import pacing
from convener.dispatch.flight import Flight
from convener.dispatch.provider_step import CallOutcome
from convener.dispatch.redis_lanes import PREFIX, RedisLanes
from convener.meetings.models import Lane
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox, free_port, require
from tests.scheduling.support import CONTACT, connect_zoom, invites, schedule

pytestmark = pytest.mark.django_db

RATE = 10.0  # calls per second
STEP = pacing.interval(RATE)  # a little over 0.1 s: paced under the documented limit


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    require(server is not None, "redis-server")
    assert server is not None
    port = free_port()
    # Redis keeps the lanes' clocks on its own clock, so it needs no shifted one; and
    # redis-server cannot start under libfaketime (the clock-ahead CI run preloads it).
    env = {k: v for k, v in os.environ.items() if k not in {"LD_PRELOAD", "FAKETIME"}}
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(params=["database", "redis"])
def clock(request: Any, settings: Any) -> str:
    """Which store holds the lanes' clocks for this test."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        settings.REDIS_URL = url
    else:
        settings.REDIS_URL = ""
    return str(request.param)


def booked(lane: str, rate: float | None, **options: Any) -> tuple[float, float] | None:
    """Reserve a slot; when it is (epoch seconds), bounded by the clock before and after
    the call, so that a slow machine widens the bounds instead of failing the test."""
    before = time.time()
    wait = pacing.reserve(lane, rate, **options)
    after = time.time()
    return None if wait is None else (before + wait, after + wait)


def free_at(lane: str) -> tuple[float, float]:
    """When the lane can take a call again (epoch seconds), bounded the same way."""
    before = time.time()
    wait = pacing.wait_hint(lane)
    return before + wait, time.time() + wait


def test_calls_on_one_lane_get_slots_spaced_by_the_pace(clock: str) -> None:
    started = time.time()
    slots = [booked("connection:1", RATE) for _ in range(5)]

    assert all(slot is not None for slot in slots)
    assert slots[0] is not None and slots[0][1] - started < 0.5  # the first goes at once
    for earlier, later in pairwise(slots):
        assert earlier is not None and later is not None
        # Each slot is exactly one step after the one before.
        assert later[0] - earlier[1] - 0.001 <= STEP <= later[1] - earlier[0] + 0.001


def test_a_slot_further_away_than_a_worker_sleeps_is_refused_and_not_booked(clock: str) -> None:
    first = booked("connection:2", 1.0, max_sleep=0.5)
    assert first is not None

    assert pacing.reserve("connection:2", 1.0, max_sleep=0.5) is None
    assert pacing.reserve("connection:2", 1.0, max_sleep=0.5) is None
    # Free one step after the first call, not pushed back by the refused ones.
    low, high = free_at("connection:2")
    step = pacing.interval(1.0)
    assert first[0] + step - 0.001 <= high and low <= first[1] + step + 0.001


def test_a_pause_stops_the_lane_and_a_shorter_one_does_not_cut_it(clock: str) -> None:
    before = time.time()
    pacing.pause("connection:3", 3.0)
    after = time.time()
    pacing.pause("connection:3", 0.5)

    assert pacing.reserve("connection:3", RATE) is None
    low, high = free_at("connection:3")
    assert before + 3.0 - 0.001 <= high and low <= after + 3.0 + 0.001
    assert booked("connection:4", RATE) is not None  # other lanes run


def test_an_unpaced_lane_never_waits(clock: str) -> None:
    assert [pacing.reserve("provider:jitsi", None) for _ in range(3)] == [0.0, 0.0, 0.0]


def test_with_redis_configured_the_database_holds_no_lane_clock(clock: str, settings: Any) -> None:
    pacing.reserve("connection:5", RATE)
    assert Lane.objects.filter(key="connection:5").exists() == (clock == "database")
    if clock == "redis":
        assert redis.Redis.from_url(settings.REDIS_URL).exists(PREFIX + "connection:5")


def test_workers_sharing_redis_never_get_the_same_slot(redis_url: str) -> None:
    """Four workers (each its own client, as separate processes would be) book 60 slots
    on one lane at once. Had two of them ever been given the same slot, the lane's next
    free slot would have moved on fewer than 60 steps."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()

    def worker() -> None:
        lanes = RedisLanes(redis_url)
        for _ in range(15):
            assert lanes.reserve("connection:9", STEP, max_sleep=60.0) is not None

    def redis_now() -> float:  # the lanes run on Redis's clock, so the bounds do too
        seconds, micros = client.time()
        return float(seconds) + micros / 1e6

    started = redis_now()
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first_possible, last_possible = started, redis_now()

    next_free = float(client.hget(PREFIX + "connection:9", "tat") or 0)
    assert first_possible + 60 * STEP - 0.001 <= next_free <= last_possible + 60 * STEP


def test_an_unreachable_redis_makes_calls_wait_and_says_where_without_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()  # nothing listens there
    lanes = RedisLanes(f"redis://:pa55-word@127.0.0.1:{port}/0")

    with caplog.at_level(logging.WARNING, logger="convener.dispatch.redis_lanes"):
        assert lanes.reserve("connection:1", STEP, 2.0) is None  # no call goes out unpaced
        assert lanes.wait_hint("connection:1") > 0
        lanes.pause("connection:1", 1.0)

    assert f"127.0.0.1:{port}" in caplog.text and "cannot be reached" in caplog.text
    assert "pa55-word" not in caplog.text
    assert caplog.text.count("cannot be reached") == 1  # said once, not once per call


def test_meetings_are_made_and_invited_with_the_pace_kept_in_redis(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    redis_url: str,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    settings.REDIS_URL = redis_url
    connection = connect_zoom(client, member)

    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)

    assert meeting.join_url and [i.method for i in invites(smtp_server, CONTACT)] == ["REQUEST"]
    assert not Lane.objects.exists()
    lane = redis.Redis.from_url(redis_url).hgetall(PREFIX + f"connection:{connection.pk}")
    assert float(lane[b"tat"]) > 0  # the create's slot was booked there


class Timed:
    """A call that only notes when it left (what a provider step's `call` is to a Flight)."""

    def __init__(self, lane: str, spacing: float, left: list[float]) -> None:
        self.lane, self.spacing, self.left = lane, spacing, left
        self.call_seconds = 0.0

    def call(self) -> CallOutcome:
        self.left.append(time.monotonic())
        return CallOutcome()


def test_calls_of_two_worker_processes_leave_a_lane_an_interval_apart_even_when_late(
    redis_url: str, settings: Any
) -> None:
    """Two workers (each its own event loop and Redis client, as two processes would
    have) each hold calls whose slots have passed: late, they would all leave at once.
    Their departures, kept in Redis, space them out."""
    redis.Redis.from_url(redis_url).flushdb()
    settings.REDIS_URL = redis_url
    # A slow lane, so that a loop's own delays (a busy CI machine) stay small beside it.
    spacing = pacing.interval(2.0)
    flights = [Flight().start(), Flight().start()]
    left: list[float] = []
    landed = threading.Semaphore(0)
    try:
        now = time.monotonic()
        for flight in flights:
            for _ in range(4):
                step = Timed("connection:7", spacing, left)
                flight.launch(step, now, lambda _outcome: landed.release())  # type: ignore[arg-type]
        for _ in range(8):
            assert landed.acquire(timeout=20)
    finally:
        for flight in flights:
            flight.stop()

    gaps = [later - earlier for earlier, later in pairwise(sorted(left))]
    assert len(left) == 8
    # A loop's own scheduling may delay a call after its turn was recorded, never bring
    # it forward: some tolerance for that. Without the shared departures, calls of the
    # two workers left together (gaps of 0 ms).
    assert min(gaps) >= spacing - 0.15, [round(gap, 3) for gap in gaps]
