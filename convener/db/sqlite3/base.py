"""Django's SQLite backend, with database files that only their owner can read, and
writers that queue for the write lock instead of sleeping on it.

Every process (`convener migrate`, `serve`, its web workers, `convener worker`) opens the
database through here, so the files are owner-only from their creation on and an older
install is repaired the first time a process connects. Each transaction takes its turn in
the database's writer queue (convener.db.sqlite3.writers) before SQLite's write lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base

from convener.datadir import protect_sqlite_database
from convener.db.sqlite3.writers import WriterQueue, queue_for

WRITING = frozenset({"IMMEDIATE", "EXCLUSIVE"})
DEFAULT_TIMEOUT = 5.0  # seconds, as Python's sqlite3 waits when none is configured


class DatabaseWrapper(base.DatabaseWrapper):
    writers: WriterQueue | None = None  # None for an in-memory database
    holding = False  # this connection's transaction holds its turn in the queue

    def get_new_connection(self, conn_params: Any) -> Any:
        name = str(conn_params["database"])
        # An in-memory database (":memory:", "file:...?mode=memory") has no file to protect.
        if not self.is_in_memory_db() and not name.startswith("file:"):
            protect_sqlite_database(Path(name))
            self.writers = queue_for(Path(name))
        return super().get_new_connection(conn_params)

    def _start_transaction_under_autocommit(self) -> None:
        # Only a transaction that takes SQLite's write lock at BEGIN queues: a deferred one
        # (DATABASE_URL=sqlite://... sets no mode) takes it at its first write, if any, and
        # waits as SQLite makes it wait.
        mode = getattr(self, "transaction_mode", None)
        if self.writers is None or self.holding or mode not in WRITING:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
            return
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", DEFAULT_TIMEOUT))
        self.writers.acquire(timeout)
        self.holding = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._let_go()
            raise

    def _let_go(self) -> None:
        if self.holding and self.writers is not None:
            self.holding = False
            self.writers.release()

    # The transaction ends in one of these; each lets the next writer in. (These are
    # Django's own private steps, which django-stubs does not declare: hence the ignores.)
    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._let_go()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._let_go()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._let_go()
