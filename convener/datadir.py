"""The data directory and the SQLite files in it belong to the account that runs Convener.

The database holds session keys and encrypted credentials: readable by another local
account, it lets that account log in as anyone. So the directory is 0700 and the database
files are 0600 whatever the umask, and an install made before this rule (or copied with
looser modes) is repaired whenever a process starts or opens the database.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from convener.environment import SettingError

OWNER_ONLY_DIRECTORY = 0o700
OWNER_ONLY_FILE = 0o600
# The database and the files SQLite keeps beside it: the write-ahead log, its shared-memory
# index, and the rollback journal used outside WAL mode.
SQLITE_COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")


def _restrict(path: Path, mode: int) -> None:
    """chmod `path` to `mode` unless it is already so; say which path when we may not."""
    try:
        if stat.S_IMODE(path.stat().st_mode) == mode:
            return
        path.chmod(mode)
    except FileNotFoundError:
        return  # SQLite removed a companion file between our look and our change
    except PermissionError as exc:
        raise SettingError(
            f"CONVENER_DATA_DIR: cannot make {path} owner-only ({oct(mode)}): {exc.strerror}; "
            "run Convener as the account that owns its data directory"
        ) from None


def prepare_data_directory(path: Path) -> Path:
    """Create the data directory owner-only, or make an existing one so."""
    path.mkdir(mode=OWNER_ONLY_DIRECTORY, parents=True, exist_ok=True)
    _restrict(path, OWNER_ONLY_DIRECTORY)
    return path


def protect_sqlite_database(database: Path) -> None:
    """Make the SQLite database owner-only before SQLite opens it.

    A missing database file is created empty with mode 0600 (SQLite takes an empty file as a
    new database); SQLite would otherwise create it 0644 less the umask. SQLite gives the WAL,
    SHM and journal files it creates later the database file's own mode, so those follow;
    ones left over with looser modes are restricted here.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE))
    _restrict(database, OWNER_ONLY_FILE)
    for suffix in SQLITE_COMPANION_SUFFIXES:
        _restrict(database.with_name(database.name + suffix), OWNER_ONLY_FILE)
