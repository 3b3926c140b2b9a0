"""The data directory is 0700 and the SQLite database with its WAL and SHM files 0600,
whatever the umask of the account that runs Convener."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.test_settings_and_cli import convener

# The usual umask of a login shell: without care, files come out readable by everyone.
PERMISSIVE_UMASK = 0o022

# Opens the database, writes, and prints the modes of the files SQLite keeps while a
# connection is open (the WAL and SHM files exist only then).
SHOW_MODES_WHILE_CONNECTED = """
import os, stat
from django.db import connection
from django.conf import settings
from convener.crm.models import Contact
Contact.objects.create(email="modes@example.org")
name = settings.DATABASES["default"]["NAME"]
for suffix in ["", "-wal", "-shm"]:
    print(suffix or "db", oct(stat.S_IMODE(os.stat(name + suffix).st_mode)))
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_migrate_makes_an_owner_only_data_directory_and_database(data_dir: Path) -> None:
    env = {"CONVENER_DATA_DIR": str(data_dir)}
    result = convener("migrate", "--verbosity", "0", env=env, umask=PERMISSIVE_UMASK)
    assert result.returncode == 0, result.stderr
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "convener.sqlite3") == 0o600


def test_the_wal_and_shm_files_are_owner_only_while_the_database_is_open(data_dir: Path) -> None:
    env = {"CONVENER_DATA_DIR": str(data_dir)}
    assert convener("migrate", "--verbosity", "0", env=env, umask=PERMISSIVE_UMASK).returncode == 0
    shown = convener(
        "shell", "-v", "0", "-c", SHOW_MODES_WHILE_CONNECTED, env=env, umask=PERMISSIVE_UMASK
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["db", "0o600", "-wal", "0o600", "-shm", "0o600"]


def test_an_existing_install_readable_by_others_is_repaired_on_start(data_dir: Path) -> None:
    env = {"CONVENER_DATA_DIR": str(data_dir)}
    assert convener("migrate", "--verbosity", "0", env=env, umask=PERMISSIVE_UMASK).returncode == 0
    database = data_dir / "convener.sqlite3"
    leftover_wal = data_dir / "convener.sqlite3-wal"
    leftover_wal.touch()
    for path, loose in [(data_dir, 0o755), (database, 0o644), (leftover_wal, 0o644)]:
        path.chmod(loose)

    result = convener("migrate", "--verbosity", "0", env=env, umask=PERMISSIVE_UMASK)

    assert result.returncode == 0, result.stderr
    assert mode(data_dir) == 0o700
    assert mode(database) == 0o600
    assert not leftover_wal.exists() or mode(leftover_wal) == 0o600
