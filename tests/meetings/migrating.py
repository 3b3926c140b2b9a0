"""Running the meetings app's migrations back and forth inside a test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(target: tuple[str, str]) -> Any:
    """Migrate to `target`; returns the historical models' registry there."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@contextmanager
def schema_at(target: tuple[str, str]) -> Iterator[Any]:
    """The database at `target` for the block, then at the latest migration again."""
    try:
        yield migrate(target)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("meetings")[0])
