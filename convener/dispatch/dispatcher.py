"""Dispatching meeting work by lane, as fast as each lane's pace allows and no faster.

A lane is the stream of provider calls of one connection (or of an account-less provider
such as Jitsi). Work is claimed from the Meeting table with a lease (SKIP LOCKED on
PostgreSQL), so any number of worker processes on any number of machines share it
without doubling anything; the pace is shared through `pacing`.

`Dispatcher` runs inside `convener worker`: one thread that keeps every lane filled up to
its concurrency, on a process-wide thread pool whose size bounds the process's database
connections. It is woken by the `drain_lane` task (enqueued when meetings are saved) and
polls as a backstop. Without a dispatcher (tests, one-off commands), `drain` runs a lane
inline until nothing is due.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from convener.dispatch import pacing
from convener.dispatch.sync import sync_meeting
from convener.meetings.models import Meeting
from convener.meetings.state import lease, unleased

log = logging.getLogger(__name__)


def _due() -> Q:
    now = timezone.now()
    return Q(next_attempt_at__lte=now) & unleased(now)


def claim(lane: str, limit: int) -> list[int]:
    """Lease up to `limit` due meetings of the lane, oldest due first."""
    if limit <= 0:
        return []
    with transaction.atomic():
        due = Meeting.objects.filter(lane=lane).filter(_due()).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if ids:
            Meeting.objects.filter(pk__in=ids).update(lease_until=timezone.now() + lease())
    return ids


def due_lanes(limit: int = 500) -> list[str]:
    lanes = Meeting.objects.filter(_due()).values_list("lane", flat=True).distinct()
    return [lane for lane in lanes[:limit] if lane]


def _run(meeting_id: int) -> None:
    try:
        sync_meeting(meeting_id)
    except Exception:
        # The lease runs out and another try picks the meeting up; never lose the worker.
        log.exception("meeting %s: sync failed", meeting_id)


def _run_pooled(meeting_id: int) -> None:
    """On a pool thread: recycle the thread's database connection around each step."""
    close_old_connections()
    try:
        _run(meeting_id)
    finally:
        close_old_connections()


def drain(lane: str) -> int:
    """Work through a lane inline until nothing in it is due; returns how many steps ran."""
    steps = 0
    while ids := claim(lane, 10):
        for meeting_id in ids:
            _run(meeting_id)
            steps += 1
    return steps


class Dispatcher:
    """Keeps lanes at their concurrency on a shared pool (one per worker process)."""

    current: Dispatcher | None = None

    def __init__(self, *, pool_size: int, lane_concurrency: int, poll_seconds: float) -> None:
        self.pool = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="sync")
        self.pool_size = pool_size
        self.lane_concurrency = lane_concurrency
        self.poll_seconds = poll_seconds
        self.inflight: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()
        self.woken = threading.Event()
        self.pending: set[str] = set()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="dispatcher", daemon=True)

    def start(self) -> Dispatcher:
        Dispatcher.current = self
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.woken.set()
        self.thread.join(timeout=30)
        self.pool.shutdown(wait=True)
        Dispatcher.current = None

    def wake(self, lane: str | None = None) -> None:
        if lane:
            with self.lock:
                self.pending.add(lane)
        self.woken.set()

    def _done(self, lane: str, future: Future[None]) -> None:
        with self.lock:
            self.inflight[lane] -= 1
            self.pending.add(lane)  # refill the lane at once
        self.woken.set()

    def _fill(self, lane: str) -> bool:
        """Claim and submit work for a lane; False when the pool is full."""
        if pacing.known_wait(lane) > 0:
            return True  # paused: claiming now would only hand the meetings back
        with self.lock:
            busy = sum(self.inflight.values())
            room = min(self.lane_concurrency - self.inflight[lane], self.pool_size - busy)
        if room <= 0:
            return busy < self.pool_size
        for meeting_id in claim(lane, room):
            with self.lock:
                self.inflight[lane] += 1
            future = self.pool.submit(_run_pooled, meeting_id)
            future.add_done_callback(functools.partial(self._done, lane))
        return True

    def _loop(self) -> None:
        next_poll = 0.0
        while not self.stopping.is_set():
            self.woken.wait(self.poll_seconds)
            self.woken.clear()
            try:
                with self.lock:
                    lanes, self.pending = set(self.pending), set()
                    inflight = dict(self.inflight)
                now = timezone.now().timestamp()
                if now >= next_poll:
                    lanes.update(due_lanes())
                    next_poll = now + self.poll_seconds
                # Emptiest lanes first: when lanes x concurrency exceeds the pool, walking
                # them by name would let the first lanes take every thread while the
                # others (other connections, each with its own limit) stand idle.
                for lane in sorted(lanes, key=lambda name: (inflight.get(name, 0), name)):
                    if not self._fill(lane):
                        with self.lock:
                            self.pending.update(lanes)
                        break
            except Exception:
                log.exception("dispatcher loop failed; trying again")
            finally:
                close_old_connections()


def start_dispatcher() -> Dispatcher:
    return Dispatcher(
        pool_size=settings.WORKER_POOL_SIZE,
        lane_concurrency=settings.LANE_CONCURRENCY,
        poll_seconds=max(0.05, settings.WORKER_POLL_SECONDS),
    ).start()
