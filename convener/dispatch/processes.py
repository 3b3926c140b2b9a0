"""`convener worker --processes N`: N worker processes under one command.

One worker process spends at most one core (Python runs one thread at a time), so a
machine with more cores runs more processes. They share the work exactly as workers on
separate machines do, through leases and the pace kept in the database (or Redis); this
module only starts them, starts again one that dies, and stops them together.

On SQLite the default is one process: SQLite lets one writer in at a time, and a second
process spent its time waiting for the first (measured: fewer meetings a second with two
than with one).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

from django.db import connection

log = logging.getLogger("convener.worker")

# A child that dies is started again after this many seconds, doubled for each death in
# a row (a worker that cannot start, a database that refuses it), up to the maximum.
RESTART_SECONDS = 1.0
RESTART_MAX_SECONDS = 60.0
# A child that ran this long before it died was healthy: its next restart is quick again.
HEALTHY_SECONDS = 60.0


def default_processes() -> int:
    """One per core on a database that takes writers side by side; one on SQLite."""
    if connection.vendor == "sqlite":
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _die_with_parent() -> None:
    """In the child, before it runs: stop (SIGTERM) when the supervising process dies, so
    a supervisor killed outright leaves no workers running that nothing watches."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Supervisor:
    """Runs `count` copies of `command` until stopped; a copy that exits is started again."""

    def __init__(self, command: Sequence[str], count: int) -> None:
        self.command = list(command)
        self.count = count
        self.stopping = False
        self.children: list[subprocess.Popen[bytes] | None] = [None] * count
        self.started_at = [0.0] * count
        self.deaths_in_a_row = [0] * count
        self.next_start = [0.0] * count

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command, preexec_fn=_die_with_parent)  # noqa: S603 (our own module)

    def stop(self, signum: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        self.stopping = True

    def run(self, poll_seconds: float = 0.5) -> None:
        # A plain sleep, not a timed wait on an Event: those follow the wall clock, and
        # a clock set forward would hold the loop until it caught up.
        while not self.stopping:
            self._tend()
            time.sleep(poll_seconds)
        self._stop_children()

    def _tend(self) -> None:
        now = time.monotonic()
        for slot, child in enumerate(self.children):
            if child is not None and child.poll() is None:
                continue
            if child is not None:
                self._died(slot, child, now)
            # Not once stopping: a stop for the whole group (Ctrl-C, a service manager)
            # reaches the children too, and one may exit before this process notices.
            if now >= self.next_start[slot] and not self.stopping:
                self.children[slot] = self._spawn()
                self.started_at[slot] = now

    def _died(self, slot: int, child: subprocess.Popen[bytes], now: float) -> None:
        self.children[slot] = None
        if now - self.started_at[slot] >= HEALTHY_SECONDS:
            self.deaths_in_a_row[slot] = 0
        self.deaths_in_a_row[slot] += 1
        wait = min(RESTART_MAX_SECONDS, RESTART_SECONDS * 2 ** (self.deaths_in_a_row[slot] - 1))
        self.next_start[slot] = now + wait
        # What it left half done is taken over when its leases run out, by its
        # replacement or by the other processes.
        log.warning(
            "worker process %s exited with status %s; starting another in %.0f s",
            child.pid,
            child.returncode,
            wait,
        )

    def _stop_children(self, grace_seconds: float = 30.0) -> None:
        """Each child finishes the steps it has begun (as on its own SIGTERM), then exits."""
        running = [child for child in self.children if child is not None and child.poll() is None]
        for child in running:
            child.terminate()
        deadline = time.monotonic() + grace_seconds
        for child in running:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker process %s did not stop in time; killed", child.pid)
                child.kill()
                child.wait()
