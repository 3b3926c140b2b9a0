"""Lane pacing, on the database and on Redis: the same behaviour from both clocks."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

import pytest
import redis

from convener.meetings import pacing
from convener.meetings.models import Lane
from convener.meetings.redis_lanes import PREFIX, RedisLanes
from tests.conftest import free_port, require
from tests.meetings.test_lifecycle import CONTACT, connect_zoom, invites, schedule

pytestmark = pytest.mark.django_db

RATE = 10.0  # calls per second
STEP = pacing.interval(RATE)  # a little over 0.1 s: paced under the documented limit


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    server = shutil.which("redis-server")
    require(server is not None, "redis-server")
    assert server is not None
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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


def test_calls_on_one_lane_get_slots_spaced_by_the_pace(clock: str) -> None:
    waits = [pacing.reserve("connection:1", RATE) for _ in range(5)]

    assert all(w is not None for w in waits)
    gaps = [b - a for a, b in pairwise(waits)]  # type: ignore[operator]
    # Each slot is one step after the previous one (the clock moves on a little between
    # calls, so a gap can only come out slightly shorter, never longer).
    assert all(STEP - 0.02 < gap <= STEP + 0.001 for gap in gaps), gaps
    assert waits[0] is not None and waits[0] < 0.02


def test_a_slot_further_away_than_a_worker_sleeps_is_refused_and_not_booked(clock: str) -> None:
    assert pacing.reserve("connection:2", 1.0, max_sleep=0.5) == pytest.approx(0.0, abs=0.02)

    assert pacing.reserve("connection:2", 1.0, max_sleep=0.5) is None
    assert pacing.reserve("connection:2", 1.0, max_sleep=0.5) is None
    # Still one second after the first call, not pushed back by the refused ones.
    assert pacing.wait_hint("connection:2") == pytest.approx(1 / pacing.HEADROOM, abs=0.05)


def test_a_pause_stops_the_lane_and_a_shorter_one_does_not_cut_it(clock: str) -> None:
    pacing.pause("connection:3", 3.0)
    pacing.pause("connection:3", 0.5)

    assert pacing.reserve("connection:3", RATE) is None
    assert pacing.wait_hint("connection:3") == pytest.approx(3.0, abs=0.1)
    assert pacing.reserve("connection:4", RATE) == pytest.approx(0.0, abs=0.02)  # others run


def test_an_unpaced_lane_never_waits_unless_paused(clock: str) -> None:
    assert [pacing.reserve("provider:jitsi", None) for _ in range(3)] == [
        pytest.approx(0.0, abs=0.02)
    ] * 3


def test_with_redis_configured_the_database_holds_no_lane_clock(clock: str, settings: Any) -> None:
    pacing.reserve("connection:5", RATE)
    assert Lane.objects.filter(key="connection:5").exists() == (clock == "database")
    if clock == "redis":
        assert redis.Redis.from_url(settings.REDIS_URL).exists(PREFIX + "connection:5")


def test_workers_sharing_redis_never_get_the_same_slot(redis_url: str) -> None:
    """Four workers (each its own client, as separate processes would be) book 60 slots
    on one lane at once: every slot is its own, one step after another."""
    redis.Redis.from_url(redis_url).flushdb()
    slots: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        lanes = RedisLanes(redis_url)
        for _ in range(15):
            wait = lanes.reserve("connection:9", STEP, max_sleep=60.0)
            assert wait is not None
            with lock:
                slots.append(time.time() + wait)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    slots.sort()
    gaps = [b - a for a, b in pairwise(slots)]
    assert len(slots) == 60
    # Wall clocks of the threads differ from Redis's by the call's latency only.
    assert min(gaps) > STEP - 0.03, min(gaps)
    assert slots[-1] - slots[0] == pytest.approx(59 * STEP, abs=0.1)


def test_an_unreachable_redis_makes_calls_wait_and_says_where_without_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()  # nothing listens there
    lanes = RedisLanes(f"redis://:pa55-word@127.0.0.1:{port}/0")

    with caplog.at_level(logging.WARNING, logger="convener.meetings.redis_lanes"):
        assert lanes.reserve("connection:1", STEP, 2.0) is None  # no call goes out unpaced
        assert lanes.wait_hint("connection:1") > 0
        lanes.pause("connection:1", 1.0)

    assert f"127.0.0.1:{port}" in caplog.text and "cannot be reached" in caplog.text
    assert "pa55-word" not in caplog.text
    assert caplog.text.count("cannot be reached") == 1  # said once, not once per call


def test_meetings_are_made_and_invited_with_the_pace_kept_in_redis(
    client: Any,
    member: Any,
    contact: Any,
    zoom: Any,
    smtp_server: Any,
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
