"""Writing the plan document as JSON text, a piece at a time.

A plan for a million recipients is a few hundred megabytes of JSON. Building it as one
dictionary per meeting and then one string (``json.dumps``) holds all of that in memory
at once, and ``json.dumps`` with ``indent`` runs in pure Python. Here each meeting's text
is made from a template and written out in batches, so memory stays flat in the plan's
size and pretty output costs the same as compact.

The text is exactly what ``json.dumps(plan_to_document(result), ensure_ascii=False)``
gives with ``separators=(",", ":")`` (compact) or with ``indent=N``: strings are escaped
by the same encoder, keys come in the same order.
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from .bulk import collector_paused
from .document import time_texts
from .results import Plan, PlannedMeeting, SkippedRecipient

# Python's own string escaper (its C version when available), without ensure_ascii: the
# one json.dumps(..., ensure_ascii=False) uses, so each string comes out byte for byte alike.
_quote: Callable[[str], str] = json.encoder.encode_basestring
# Meetings per write: large enough that writing costs little, small enough to stay flat.
_BATCH = 5_000


def _optional(value: str | None) -> str:
    return "null" if value is None else _quote(value)


class _Layout:
    """Where whitespace goes: ``indent=None`` is compact, a number the pretty form."""

    def __init__(self, indent: int | None) -> None:
        self.pretty = indent is not None
        step = " " * (indent or 0)
        self.colon = ": " if self.pretty else ":"
        # newline[n]: what comes before a line at nesting depth n (nothing when compact).
        self.newline = [("\n" + step * depth) if self.pretty else "" for depth in range(5)]

    def strings(self, texts: Iterable[str], depth: int) -> str:
        """A list of strings whose items sit at ``depth``."""
        items = [_quote(text) for text in texts]
        if not items:
            return "[]"
        inner, outer = self.newline[depth], self.newline[depth - 1]
        return "[" + inner + ("," + inner).join(items) + outer + "]"

    def entry(self, pairs: list[tuple[str, str]], depth: int) -> str:
        """An object of already-encoded values whose keys sit at ``depth``."""
        inner, outer = self.newline[depth], self.newline[depth - 1]
        body = ("," + inner).join(f'"{key}"{self.colon}{value}' for key, value in pairs)
        return "{" + inner + body + outer + "}"


def _meeting_texts(meetings: Iterable[PlannedMeeting], layout: _Layout) -> Iterator[str]:
    utc_text, local_text = time_texts()
    colon, nl3, nl2 = layout.colon, layout.newline[3], layout.newline[2]
    sep = "," + nl3
    # Everything from "start" to "adjustment" depends only on these five values, and a
    # smart plan puts many meetings on the same instants: that part is made once each.
    Times = tuple[int, int, str, str, str | None]
    middles: dict[Times, str] = {}
    hosts: dict[str | None, str] = {}  # a few hosts share many meetings

    def middle(key: Times) -> str:
        start, end, zone, source, adjustment = key
        text = middles[key] = (
            f'{sep}"start"{colon}"{utc_text(start)}"{sep}"end"{colon}"{utc_text(end)}"'
            f'{sep}"timezone"{colon}{_quote(zone)}{sep}"timezone_source"{colon}{_quote(source)}'
            f'{sep}"local_start"{colon}{_quote(local_text(start, zone))}'
            f'{sep}"local_end"{colon}{_quote(local_text(end, zone))}'
            f'{sep}"adjustment"{colon}{_optional(adjustment)}{sep}"notes"{colon}'
        )
        return text

    def host(name: str | None) -> str:
        text = hosts[name] = _optional(name)
        return text

    get_middle, get_host, quote = middles.get, hosts.get, _quote
    head = "{" + nl3 + '"id"' + colon
    host_key = sep + '"host"' + colon
    for m in meetings:
        key = (m.start_ts, m.end_ts, m.timezone, m.timezone_source, m.adjustment)
        # This loop runs a million times for a large plan: one template, few calls.
        yield (
            f"{head}{quote(m.id)}{host_key}{get_host(m.host) or host(m.host)}"
            f"{get_middle(key) or middle(key)}"
            f"{layout.strings(m.notes, 4) if m.notes else '[]'}{nl2}}}"
        )


def _skip_texts(skipped: Iterable[SkippedRecipient], layout: _Layout) -> Iterator[str]:
    for skip in skipped:
        yield layout.entry(
            [("id", _quote(skip.id)), ("reason", _quote(skip.reason)), ("code", _quote(skip.code))],
            3,
        )


def _write_list(out: TextIO, items: Iterator[str], layout: _Layout) -> None:
    """Write a list whose items sit at depth 2, in batches."""
    inner, outer = layout.newline[2], layout.newline[1]
    first = next(items, None)
    if first is None:
        out.write("[]")
        return
    out.write("[" + inner + first)
    separator = "," + inner
    batch: list[str] = []
    for text in items:
        batch.append(text)
        if len(batch) == _BATCH:
            out.write(separator + separator.join(batch))
            batch.clear()
    if batch:
        out.write(separator + separator.join(batch))
    out.write(outer + "]")


def write_plan(result: Plan, out: TextIO, *, indent: int | None = None) -> None:
    """Write the plan document of ``result`` to ``out``: compact JSON, or indented by
    ``indent`` spaces. No newline is added at the end."""
    layout = _Layout(indent)
    nl1, colon = layout.newline[1], layout.colon
    with collector_paused():
        out.write("{" + nl1 + f'"meetings"{colon}')
        _write_list(out, _meeting_texts(result.meetings, layout), layout)
        out.write("," + nl1 + f'"skipped"{colon}')
        _write_list(out, _skip_texts(result.skipped, layout), layout)
        out.write("," + nl1 + f'"notes"{colon}' + layout.strings(result.notes, 2))
        out.write(layout.newline[0] + "}")
