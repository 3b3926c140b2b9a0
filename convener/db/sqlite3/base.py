"""Django's SQLite backend, with database files that only their owner can read.

Every process (`convener migrate`, `serve`, its web workers, `convener worker`) opens the
database through here, so the files are owner-only from their creation on and an older
install is repaired the first time a process connects.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base

from convener.datadir import protect_sqlite_database


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: Any) -> Any:
        name = str(conn_params["database"])
        # An in-memory database (":memory:", "file:...?mode=memory") has no file to protect.
        if not self.is_in_memory_db() and not name.startswith("file:"):
            protect_sqlite_database(Path(name))
        return super().get_new_connection(conn_params)
