"""Reading request bodies and query strings: only what the databases can store gets in.

JSON may spell things no column takes: a lone surrogate ("\\ud800") cannot be encoded as
UTF-8 (SQLite and PostgreSQL both fail on it), PostgreSQL refuses the NUL character in
text, and NaN or Infinity are not JSON at all (Python's reader accepts them, jsonb does
not). They are refused here, once for every operation, naming where they were found,
instead of failing as a server error when the row is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser


class UnstorableText(ValueError):
    """A text the database cannot store; `field` is its dotted path in the request."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored, or None when it can."""
    if "\x00" in text:
        return "the NUL character (\\u0000) is not allowed in text"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "not valid Unicode text (a lone surrogate such as \\ud800)"
    return None


def _texts(value: Any) -> Iterator[tuple[str, str]]:
    """Every string in a parsed JSON value with its dotted path, keys included. Iterative:
    a deeply nested document must not exhaust the stack here."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield path, str(key)
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{n}" if path else str(n), c) for n, c in enumerate(item))


def check_texts(value: Any) -> None:
    for path, text in _texts(value):
        problem = text_problem(text)
        if problem:
            # The path itself may hold the bad key: show it escaped.
            raise UnstorableText(
                path.encode("ascii", "backslashreplace").decode() or "body", problem
            )


def parse_object(body: bytes) -> dict[str, Any]:
    """A request body read as the JSON object every body of this API is, its texts checked."""
    data = json.loads(body, parse_constant=_not_json)
    if not isinstance(data, dict):
        # Every body of this API is an object; django-ninja would read [] as {}.
        raise ValueError("the body must be a JSON object")
    check_texts(data)
    return data


class StoredTextParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        # Errors here reach the API's HttpError handler as the cause of a 400 (django-ninja
        # wraps them), which turns UnstorableText into a 422 naming the field.
        return parse_object(request.body)

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result: dict[str, Any] = super().parse_querydict(data, list_fields, request)
        check_texts(result)
        return result
