"""Closing the database connections a thread pool's threads opened.

Django keeps a connection per thread and closes it only when asked on that thread. A
worker's pools (the dispatcher's, the mail threads, the event loop's blocking calls) are
stopped while their process may go on, as the worker inside a test process does, so
each of their threads closes its own connections first. On PostgreSQL each left open is
a session that keeps the database from being dropped.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, wait

from django.db import connections


def close_connections(pool: ThreadPoolExecutor, threads: int) -> None:
    """Have each of the pool's `threads` threads close its connections. The pool must be
    idle: a thread busy with other work would hold the others at the barrier until it is
    free."""
    # One task per thread: each waits at the barrier until all have closed, so no thread
    # takes two and every thread takes one (an idle pool starts the threads it lacks).
    barrier = threading.Barrier(threads)

    def close() -> None:
        connections.close_all()
        barrier.wait()

    wait([pool.submit(close) for _ in range(threads)])
