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
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import TextIO, TypeVar

from .bulk import collector_paused
from .document import time_texts
from .results import Plan, PlannedMeeting, SkippedRecipient

# Python's own string escaper (its C version when available), without ensure_ascii: the
# one json.dumps(..., ensure_ascii=False) uses, so each string comes out byte for byte alike.
_quote: Callable[[str], str] = json.encoder.encode_basestring
# Meetings per write: large enough that writing costs little, small enough to stay flat.
_BATCH = 5_000
_Item = TypeVar("_Item")


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


def _meeting_writer(layout: _Layout) -> Callable[[Sequence[PlannedMeeting]], list[str]]:
    """A function that turns a batch of meetings into their texts."""
    utc_text, local_text = time_texts()
    colon, nl3, nl2 = layout.colon, layout.newline[3], layout.newline[2]
    sep = "," + nl3
    # Everything after the id and the host depends only on these six values, and a smart
    # plan puts many meetings on the same instants: that part is made once for each.
    Times = tuple[int, int, str, str, str | None, tuple[str, ...]]
    rests: dict[Times, str] = {}
    hosts: dict[str | None, str] = {}  # a few hosts share many meetings

    def rest(key: Times) -> str:
        start, end, zone, source, adjustment, notes = key
        text = rests[key] = (
            f'{sep}"start"{colon}"{utc_text(start)}"{sep}"end"{colon}"{utc_text(end)}"'
            f'{sep}"timezone"{colon}{_quote(zone)}{sep}"timezone_source"{colon}{_quote(source)}'
            f'{sep}"local_start"{colon}{_quote(local_text(start, zone))}'
            f'{sep}"local_end"{colon}{_quote(local_text(end, zone))}'
            f'{sep}"adjustment"{colon}{_optional(adjustment)}'
            f'{sep}"notes"{colon}{layout.strings(notes, 4)}{nl2}}}'
        )
        return text

    def host(name: str | None) -> str:
        text = hosts[name] = f'{sep}"host"{colon}{_optional(name)}'
        return text

    get_rest, get_host, quote = rests.get, hosts.get, _quote
    times = attrgetter("start_ts", "end_ts", "timezone", "timezone_source", "adjustment", "notes")
    head = "{" + nl3 + '"id"' + colon

    def texts(batch: Sequence[PlannedMeeting]) -> list[str]:
        # This runs a million times for a large plan: one template, few calls, no
        # generator (a list comprehension is the fastest loop Python has).
        return [
            f"{head}{quote(m.id)}{get_host(h := m.host) or host(h)}"
            f"{get_rest(k := times(m)) or rest(k)}"
            for m in batch
        ]

    return texts


def _skip_writer(layout: _Layout) -> Callable[[Sequence[SkippedRecipient]], list[str]]:
    def texts(batch: Sequence[SkippedRecipient]) -> list[str]:
        return [
            layout.entry(
                [("id", _quote(s.id)), ("reason", _quote(s.reason)), ("code", _quote(s.code))], 3
            )
            for s in batch
        ]

    return texts


def _write_list(
    out: TextIO,
    items: Sequence[_Item],
    texts: Callable[[Sequence[_Item]], list[str]],
    layout: _Layout,
) -> None:
    """Write a list whose items sit at depth 2, a batch at a time."""
    if not items:
        out.write("[]")
        return
    inner = layout.newline[2]
    separator = "," + inner
    out.write("[" + inner)
    for begin in range(0, len(items), _BATCH):
        if begin:
            out.write(separator)
        out.write(separator.join(texts(items[begin : begin + _BATCH])))
    out.write(layout.newline[1] + "]")


def write_plan(result: Plan, out: TextIO, *, indent: int | None = None) -> None:
    """Write the plan document of ``result`` to ``out``: compact JSON, or indented by
    ``indent`` spaces. No newline is added at the end."""
    layout = _Layout(indent)
    nl1, colon = layout.newline[1], layout.colon
    with collector_paused():
        out.write("{" + nl1 + f'"meetings"{colon}')
        _write_list(out, result.meetings, _meeting_writer(layout), layout)
        out.write("," + nl1 + f'"skipped"{colon}')
        _write_list(out, result.skipped, _skip_writer(layout), layout)
        out.write("," + nl1 + f'"notes"{colon}' + layout.strings(result.notes, 2))
        out.write(layout.newline[0] + "}")
