"""The columns an object has changed since its row was read or last written, so that a
write on a hot path sets only those.

A worker writes each meeting's row several times (its attempt, its link, its release
after the invitations), and wrote every column each time, as `save()` does. SQLite then
rewrites every index that holds any column named in the UPDATE, changed or not: fourteen
for a meeting, where a release changes the columns of three. The release after the
invitations cost 0.35 ms of the mail thread's CPU and its commit 0.19 ms; writing only
the five columns a release changes, 0.11 and 0.09 ms (the JSON and auto_now columns
written besides, below, are in no index). Setting fewer columns also leaves alone what
another writer changed meanwhile without touching the lease (a reconnect moving the
meeting to its new connection), which a whole stale row would have written back.

What the row holds is noted by whoever reads it for such writes (the worker's
`dispatch.sync.load`, not every query: a list of a hundred thousand meetings would hold
a copy of each row) and after each write made here (`writes.update_one`); `save()` and
`refresh_from_db()` forget it, so the next write sets every column. A write is noted
when it runs, not when it commits (Django has no hook on a rollback, and a value set back
later in the same transaction must still be written): a caller whose transaction rolls
back and who goes on with the object forgets it. JSON values can be changed in place,
and auto_now fields change on every write: those are always written.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models

_HELD = "_columns_held"  # attname -> the value the row holds, in the instance's __dict__
_UNKNOWN = object()


def remember(obj: models.Model, names: Iterable[str]) -> None:
    """Note the object's current values of `names` as what its row holds."""
    values = obj.__dict__
    # A new dict each time: a copy of the object (copy.copy) must not share it.
    held: dict[str, Any] = dict(values.get(_HELD, ()))
    for name in names:
        if name in values:
            held[name] = values[name]
    values[_HELD] = held


def written(obj: models.Model, names: Iterable[str]) -> None:
    """The object's values of `names` have just been written to its row: noted, for an
    object whose row's other values are known."""
    if _HELD in obj.__dict__:
        remember(obj, names)


def forget(obj: models.Model) -> None:
    """The row may hold anything: the next write sets every column."""
    obj.__dict__.pop(_HELD, None)


def changed(obj: models.Model, names: Sequence[str]) -> list[str]:
    """Of `names` (attnames), the columns a write must set: all of them for an object
    whose row's values are not known; else those whose value differs from the row's,
    and those always written. A deferred field never loaded has not changed."""
    held: dict[str, Any] | None = obj.__dict__.get(_HELD)
    if held is None:
        return list(names)
    always = _always_written(type(obj))
    values = obj.__dict__
    return [
        name
        for name in names
        if name in always or (name in values and held.get(name, _UNKNOWN) != values[name])
    ]


@functools.cache
def _always_written(model: type[models.Model]) -> frozenset[str]:
    return frozenset(
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.JSONField) or getattr(field, "auto_now", False)
    )
