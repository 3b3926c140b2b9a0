"""The writers' queue in front of SQLite's write lock: the next writer gets in as soon as
the last lets go, a wait is bounded by the database's timeout, and a transaction hands its
turn on however it ends."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection, transaction

from convener.db.sqlite3.writers import SUFFIX, WriterQueue, queue_for


def test_the_next_writer_gets_in_as_soon_as_the_last_lets_go(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "db.sqlite3")
    queue.acquire(timeout=1)
    got_in: list[float] = []

    def second() -> None:
        queue.acquire(timeout=5)
        got_in.append(time.monotonic())
        queue.release()

    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.3)
    assert not got_in  # it waits while the first holds the turn
    released = time.monotonic()
    queue.release()
    waiter.join(5)
    assert got_in and got_in[0] - released < 0.1  # SQLite's busy handler sleeps up to 100 ms


def _let_go_soon(descriptor: int) -> None:
    time.sleep(0.1)
    fcntl.flock(descriptor, fcntl.LOCK_UN)


def test_another_process_holding_the_file_lock_makes_a_writer_wait(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    queue = WriterQueue(database)
    # Another open file description locks as another process's would.
    other = os.open(database.with_name(database.name + SUFFIX), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"):
            queue.acquire(timeout=0.2)
        assert 0.2 <= time.monotonic() - started < 1.0
        # A plain sleep, not threading.Timer: the tests also run with the clock a year
        # ahead (libfaketime), where a timed wait on a condition waits that year.
        threading.Thread(target=_let_go_soon, args=(other,), daemon=True).start()
        queue.acquire(timeout=2)  # in, once the other lets go
        queue.release()
    finally:
        os.close(other)


def test_the_lock_file_is_owner_only(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "db.sqlite3")
    queue.acquire(timeout=1)
    queue.release()
    assert (tmp_path / f"db.sqlite3{SUFFIX}").stat().st_mode & 0o777 == 0o600


def test_one_queue_per_database_file_in_a_process(tmp_path: Path) -> None:
    assert queue_for(tmp_path / "a.sqlite3") is queue_for(tmp_path / "a.sqlite3")
    assert queue_for(tmp_path / "a.sqlite3") is not queue_for(tmp_path / "b.sqlite3")


@pytest.mark.django_db(transaction=True)
def test_a_transaction_hands_its_turn_on_after_commit_and_after_rollback() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with transaction.atomic():
        assert connection.holding  # type: ignore[attr-defined]
    assert not connection.holding  # type: ignore[attr-defined]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        1 / 0  # noqa: B018
    assert not connection.holding  # type: ignore[attr-defined]
    # The turn is free again: another thread's transaction gets in at once.
    done: list[bool] = []

    def other() -> None:
        from django.db import connection as theirs

        with transaction.atomic():
            done.append(True)
        theirs.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(5)
    assert done == [True]
