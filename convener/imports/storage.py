"""Where an import's files live: the uploaded CSV and its report, owner-only, in the import
directory (CONVENER_IMPORT_DIR, by default `imports/` in the data directory).

The upload holds people's names and addresses, so it is kept like the database: the
directory 0700, the files 0600 from the moment they exist. Files are named by a random
token, never by what the browser sent.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from convener.datadir import OWNER_ONLY_FILE, prepare_data_directory


def directory() -> Path:
    return prepare_data_directory(Path(settings.IMPORT_DIR))


def source_path(token: str) -> Path:
    return directory() / f"{token}.csv"


def report_path(token: str) -> Path:
    return directory() / f"{token}.report.csv"


def _create(path: Path) -> BinaryIO:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE)
    return os.fdopen(descriptor, "wb")


def new_source() -> tuple[str, BinaryIO]:
    """A new, empty upload file open for writing, and its token."""
    token = secrets.token_hex(16)
    return token, _create(source_path(token))


def open_report(token: str) -> BinaryIO:
    """The report file, open for reading and writing, made owner-only if new."""
    path = report_path(token)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, OWNER_ONLY_FILE)
    return os.fdopen(descriptor, "r+b")


def remove_source(token: str) -> None:
    source_path(token).unlink(missing_ok=True)


def remove(token: str) -> None:
    """Both files of an import; either may already be gone."""
    remove_source(token)
    report_path(token).unlink(missing_ok=True)
