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
    """The database at `target` for the block, then at the latest migrations again: of
    every app, since going back also unapplied the apps that depend on meetings (their
    tables gone for the tests that came after, on the same database)."""
    try:
        yield migrate(target)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
