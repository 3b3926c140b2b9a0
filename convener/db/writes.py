"""Writes on hot paths: prepared INSERTs and UPDATEs, the values prepared by each model
field exactly as a save prepares them, without compiling a query each time.

Django's bulk_create and bulk_update do the same work with far more Python per value: on
SQLite, bulk_create took 0.2 ms a contact and bulk_update 4 to 8 ms (it builds a CASE
expression per field over the whole batch), against 0.05 and 0.15 ms here, and at
100,000 rows that was most of an import's time. One row at a time the compile is most of
a write's cost too: a meeting's whole-row conditional UPDATE took 0.32 ms through
`QuerySet.update` against 0.11 ms here, and a worker writes several per meeting it makes.
Model fields that compute their value on save (auto_now, auto_now_add) are honoured
through `pre_save`, as Django does. No signals are sent, as with `QuerySet.update`.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

from convener.db import changes


def _columns(model: type[Model], names: Sequence[str] | None = None) -> list[Field[Any, Any]]:
    # Looked up once per model and names: a worker's release asks for forty on each write.
    return list(_looked_up(model, None if names is None else tuple(names)))


# Bounded: a meeting's writes set the columns each step changed, so the lists vary.
@functools.lru_cache(maxsize=1024)
def _looked_up(model: type[Model], names: tuple[str, ...] | None) -> tuple[Field[Any, Any], ...]:
    meta = model._meta
    if names is None:
        return tuple(field for field in meta.concrete_fields if not field.primary_key)
    found: list[Field[Any, Any]] = []
    for name in names:
        field = meta.get_field(name)
        assert isinstance(field, Field) and field.concrete
        found.append(field)
    return tuple(found)


def _send(connection: BaseDatabaseWrapper, statement: str, rows: list[list[Any]]) -> None:
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)


def _insert_statement(
    connection: BaseDatabaseWrapper, model: type[Model], columns: list[Field[Any, Any]]
) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(column.column)) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608


def insert(objects: Sequence[Model]) -> None:
    """INSERT `objects` (all of one model, new). Their primary keys stay None."""
    if not objects:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    model = type(objects[0])
    columns = _columns(model)
    rows = [
        [column.get_db_prep_save(column.pre_save(obj, True), connection) for column in columns]
        for obj in objects
    ]
    _send(connection, _insert_statement(connection, model, columns), rows)


def insert_values(
    model: type[Model], names: Sequence[str], values: Iterable[Sequence[Any]]
) -> None:
    """INSERT rows of plain `values` for the fields `names` (no model instances made)."""
    connection = connections[DEFAULT_DB_ALIAS]
    columns = _columns(model, names)
    rows = [
        [
            column.get_db_prep_save(value, connection)
            for column, value in zip(columns, row, strict=True)
        ]
        for row in values
    ]
    _send(connection, _insert_statement(connection, model, columns), rows)


def update(objects: Sequence[Model], names: Sequence[str]) -> None:
    """UPDATE the fields `names` of `objects` (all of one model, saved before)."""
    if not objects:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    model = type(objects[0])
    meta = model._meta
    columns = _columns(model, names)
    assert meta.pk is not None
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(column.column))} = %s" for column in columns)
    table, key = quote(meta.db_table), quote(str(meta.pk.column))
    statement = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 (model names)
    rows = [
        [
            *(
                column.get_db_prep_save(column.pre_save(obj, False), connection)
                for column in columns
            ),
            obj.pk,
        ]
        for obj in objects
    ]
    _send(connection, statement, rows)


def insert_one(obj: Model, *, skip_conflict: bool = False) -> bool:
    """INSERT one new object and set its primary key; whether the row was written.

    With `skip_conflict`, a row that a unique constraint refuses (another worker wrote it
    first) is left out (ON CONFLICT DO NOTHING) and False is returned: no error, so no
    savepoint is needed to keep a PostgreSQL transaction usable after it."""
    connection = connections[DEFAULT_DB_ALIAS]
    model = type(obj)
    meta = model._meta
    assert meta.pk is not None
    columns = _columns(model)
    statement = _insert_statement(connection, model, columns)
    if skip_conflict:
        statement += " ON CONFLICT DO NOTHING"
    returning = connection.features.can_return_columns_from_insert
    if returning:
        statement += f" RETURNING {connection.ops.quote_name(str(meta.pk.column))}"
    values = [column.get_db_prep_save(column.pre_save(obj, True), connection) for column in columns]
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        if returning:
            row = cursor.fetchone()
            key = row[0] if row else None
        else:
            key = cursor.lastrowid if cursor.rowcount else None
    if key is None:
        return False
    obj.pk = key
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


def insert_many(objects: Sequence[Model]) -> None:
    """INSERT `objects` (all of one model, new), many rows to a statement, and set their
    primary keys, as `bulk_create` does. The keys come back in the order of the rows, as
    `bulk_create` relies on too. Where the database cannot return them, it is used."""
    if not objects:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    model = type(objects[0])
    meta = model._meta
    assert meta.pk is not None
    if not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(objects)
        return
    columns = _columns(model)
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(column.column)) for column in columns)
    row = f"({', '.join(['%s'] * len(columns))})"
    head = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES "  # noqa: S608 (model names)
    tail = f" RETURNING {quote(str(meta.pk.column))}"
    per_statement = max(1, min(_MAX_ROWS, _parameter_limit(connection) // len(columns)))
    for first in range(0, len(objects), per_statement):
        chunk = objects[first : first + per_statement]
        params = [
            column.get_db_prep_save(column.pre_save(obj, True), connection)
            for obj in chunk
            for column in columns
        ]
        with connection.cursor() as cursor:
            cursor.execute(head + ", ".join([row] * len(chunk)) + tail, params)
            keys = [found[0] for found in cursor.fetchall()]
        assert len(keys) == len(chunk)
        for obj, key in zip(chunk, keys, strict=True):
            obj.pk = key
            obj._state.adding = False
            obj._state.db = connection.alias


# Rows per multi-row INSERT: beyond a few hundred, a longer statement saves nothing.
_MAX_ROWS = 500


def _parameter_limit(connection: BaseDatabaseWrapper) -> int:
    """Placeholders one statement may hold: SQLite's own limit (Django assumes the 999 of
    old builds; Debian's allows 32,766), and the 65,535 of PostgreSQL's protocol."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return 65_535


def update_one(obj: Model, names: Sequence[str], *, where: Mapping[str, Any]) -> bool:
    """UPDATE the fields `names` of one saved object, if its row still holds the values
    `where` (field name to value, None matching NULL); whether it did."""
    connection = connections[DEFAULT_DB_ALIAS]
    model = type(obj)
    meta = model._meta
    assert meta.pk is not None
    columns = _columns(model, names)
    conditions = _columns(model, list(where))
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(column.column))} = %s" for column in columns)
    tests = [f"{quote(str(meta.pk.column))} = %s"]
    params = [
        *(column.get_db_prep_save(column.pre_save(obj, False), connection) for column in columns),
        obj.pk,
    ]
    for column, value in zip(conditions, where.values(), strict=True):
        if value is None:
            tests.append(f"{quote(str(column.column))} IS NULL")
        else:
            tests.append(f"{quote(str(column.column))} = %s")
            params.append(column.get_db_prep_value(value, connection))
    table = quote(meta.db_table)
    statement = f"UPDATE {table} SET {assignments} WHERE {' AND '.join(tests)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        written = bool(cursor.rowcount)
    if written:
        changes.written(obj, names)
    return written
