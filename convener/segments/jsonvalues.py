"""One key of Contact.fields in SQL, the same way on SQLite and PostgreSQL: its JSON type
and its value as text. The path is bound as a parameter on both."""

from __future__ import annotations

import json
from typing import Any

from django.db import NotSupportedError
from django.db.models import CharField, F, Func

# JSON value types as each database names them: SQLite's JSON_TYPE, PostgreSQL's
# jsonb_typeof.
STRING = ["text", "string"]
NUMBER = ["integer", "real", "number"]


class _JSONKey(Func):
    """One key of Contact.fields; the path is bound as a parameter on both databases."""

    output_field = CharField()

    def __init__(self, key: str) -> None:
        super().__init__(F("fields"))
        self.key = key

    def _sqlite(self, compiler: Any, template: str) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return template % sql, (*params, f"$.{json.dumps(self.key)}")

    def _postgresql(self, compiler: Any, template: str) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return template % sql, (*params, self.key)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[str | int, ...]]:
        raise NotSupportedError("segment rules run on SQLite and PostgreSQL")


class JSONType(_JSONKey):
    """The JSON type of the value at the key; NULL when the key is missing."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._sqlite(compiler, "JSON_TYPE(%s, %%s)")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._postgresql(compiler, "jsonb_typeof(%s -> %%s)")


class JSONText(_JSONKey):
    """The value at the key as SQL text (a number as SQLite's number: compare it only
    where JSONType says it is a string, or cast it where it is a number)."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._sqlite(compiler, "JSON_EXTRACT(%s, %%s)")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self._postgresql(compiler, "(%s ->> %%s)")
