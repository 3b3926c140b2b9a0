"""Fixtures of the import tests: a signed-in member and the import directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def import_dir(settings: Any, tmp_path: Path) -> Path:
    """Each test's own import directory, inside the data directory's place."""
    settings.IMPORT_DIR = tmp_path / "imports"
    return Path(settings.IMPORT_DIR)


@pytest.fixture
def signed_in(client: Client, member: Any) -> Client:
    client.force_login(member)
    return client
