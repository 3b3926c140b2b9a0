"""The writers' queue in front of SQLite's write lock: the next writer gets in as soon as
the last lets go, a wait is bounded by the database's timeout, and a transaction hands its
turn on however it ends."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler

from convener.db.sqlite3 import writers
from convener.db.sqlite3.writers import SUFFIX, WriterQueue, queue_for


def test_the_next_writer_gets_in_as_soon_as_the_last_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not a timing: a loaded machine can delay any thread's wake-up. What makes the
    # hand-over immediate is that a writer of the same process waits on the turn itself,
    # woken by its release, rather than sleeping between tries as SQLite's busy handler
    # does; so the waiter must get in without one sleep.
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(writers, "time", SimpleNamespace(monotonic=time.monotonic, sleep=sleep))
    queue = WriterQueue(tmp_path / "db.sqlite3")
    queue.acquire(timeout=1)
    got_in = threading.Event()

    def second() -> None:
        queue.acquire(timeout=5)
        got_in.set()
        queue.release()

    waiter = threading.Thread(target=second)
    waiter.start()
    time.sleep(0.3)
    assert not got_in.is_set()  # it waits while the first holds the turn
    queue.release()
    waiter.join(5)
    assert got_in.is_set()
    assert sleeps == []


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
        assert 0.2 <= time.monotonic() - started < 2.0
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


def _file_database(path: Path) -> BaseDatabaseWrapper:
    """A connection to a SQLite file of its own, set up as Convener sets up its database:
    the wrapper's turn-taking is tested whatever database the suite runs on."""
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "convener.db.sqlite3",
                "NAME": str(path),
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 5},
            }
        }
    )
    return handler["default"]


def _begin(database: BaseDatabaseWrapper) -> None:
    # As transaction.atomic begins a transaction.
    database.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def test_a_transaction_hands_its_turn_on_after_commit_and_after_rollback(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    # Not the suite's database: a file of this test's own, so no database mark.
    with django_db_blocker.unblock():
        _take_turns(tmp_path / "db.sqlite3")


def _take_turns(path: Path) -> None:
    mine = _file_database(path)
    _begin(mine)
    assert mine.holding  # type: ignore[attr-defined]
    mine.commit()
    mine.set_autocommit(True)
    assert not mine.holding  # type: ignore[attr-defined]
    _begin(mine)
    mine.rollback()
    mine.set_autocommit(True)
    assert not mine.holding  # type: ignore[attr-defined]
    # The turn is free again: another thread's transaction gets in at once, and while it
    # holds the turn, this connection's next transaction waits for it.
    inside = threading.Event()
    leave = threading.Event()
    done: list[bool] = []

    def other() -> None:
        theirs = _file_database(path)
        _begin(theirs)
        done.append(theirs.holding)  # type: ignore[attr-defined]
        inside.set()
        leave.wait(5)
        theirs.commit()
        theirs.close()

    thread = threading.Thread(target=other, daemon=True)
    thread.start()
    assert inside.wait(5)
    waited = time.monotonic()
    threading.Thread(target=_later, args=(leave,), daemon=True).start()
    _begin(mine)
    assert time.monotonic() - waited >= 0.1  # it waited for the other to commit
    mine.commit()
    mine.close()
    thread.join(5)
    assert done == [True]


def _later(event: threading.Event) -> None:
    time.sleep(0.15)
    event.set()
