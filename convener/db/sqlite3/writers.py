"""One writer at a time on a SQLite file, handed on the moment the last one commits.

SQLite lets one connection write at a time. A connection that finds the write lock taken
waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, ... then 100 ms between tries
without knowing when the lock is let go: under load the lock sits free while the waiters
sleep, and a visitor's one-insert send waited hundreds of milliseconds behind the worker's
short transactions (bench/bench_form_submissions.py: p99 of the send 500-700 ms).

So each transaction Convener opens (every `transaction.atomic`, and django-tasks' claims)
first takes this queue: a lock per process, which wakes the next thread of the process as
soon as it is released, then an advisory lock on a file beside the database for the
processes (web workers, the worker), tried every millisecond by one waiting thread per
process. SQLite's own lock still protects the data; this only orders who asks for it, so
the waiters no longer sleep past its release. A wait longer than the database's timeout
fails as SQLite's does ("database is locked"), and a process that dies lets go of the file
lock with its descriptor.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from pathlib import Path

from django.db import OperationalError

from convener.datadir import OWNER_ONLY_FILE

SUFFIX = "-writers"
POLL_SECONDS = 0.001  # between tries of the file lock: a hand-over within a millisecond


class WriterQueue:
    """The queue of writers of one database file, in this process."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + SUFFIX)
        self.local = threading.Lock()
        self.fd: int | None = None

    def _file(self) -> int:
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, OWNER_ONLY_FILE)
        return self.fd

    def acquire(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self.local.acquire(timeout=max(0.0, timeout)):
            raise OperationalError("database is locked")
        try:
            fd = self._file()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OperationalError("database is locked") from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            self.local.release()
            raise

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.local.release()


# By process as well as by file: a forked child shares its parent's descriptor, and with it
# the parent's lock, so it makes its own queue.
_queues: dict[tuple[int, str], WriterQueue] = {}
_queues_lock = threading.Lock()


def queue_for(database: Path) -> WriterQueue:
    key = (os.getpid(), str(database.resolve()))
    with _queues_lock:
        if key not in _queues:
            _queues[key] = WriterQueue(database)
        return _queues[key]
