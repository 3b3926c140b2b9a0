"""Reading a SPEC from JSON text into a ``PlanSpec``, without a dictionary per recipient.

``read_spec(text)`` gives the same ``PlanSpec``, and the same errors, as
``parse_spec(json.loads(text))``; for a large SPEC it is several times faster and holds
a fraction of the memory. The top level is split into its keys' JSON texts first; the
recipients are decoded into typed entries (``entries.py``) and every other key, small,
the plain way. Whenever the fast reading refuses something, the plain reading runs
instead, so a malformed SPEC gets the very message it always got.
"""

from __future__ import annotations

import json
from datetime import datetime
from operator import attrgetter
from typing import Any

import msgspec

from .bulk import collector_paused
from .entries import ENTRIES_DECODER, RECIPIENTS_DECODER, TypedRecipients
from .parse import parse_spec
from .spec import PlanSpec

_TOP_DECODER = msgspec.json.Decoder(dict[str, msgspec.Raw])
_TRIGGERED_AT = attrgetter("triggered_at")
_REFUSED = (msgspec.DecodeError, msgspec.ValidationError)


def read_spec(text: str | bytes, *, now: datetime | None = None) -> PlanSpec:
    """The ``PlanSpec`` of a SPEC's JSON text; ``now`` is used only when the SPEC has none.

    Raises ``json.JSONDecodeError`` (as ``json.loads`` would) when the text is not JSON,
    and ``SpecError`` naming the key when the SPEC is malformed.
    """
    # A million recipients are a million new objects, none in a reference cycle: the
    # collector would walk them all again and again for nothing (see bulk.py).
    with collector_paused():
        return _read(text, now)


def _read(text: str | bytes, now: datetime | None) -> PlanSpec:
    try:
        top = _TOP_DECODER.decode(text)
    except _REFUSED:
        # Not JSON, not an object, or JSON that only Python's reader takes (NaN, huge
        # numbers): the plain way says why, or reads it as it always did.
        return parse_spec(json.loads(text), now=now)
    doc: dict[str, Any] = {}
    for key, raw in top.items():
        doc[key] = _recipients(raw) if key == "recipients" else json.loads(bytes(raw))
    del top
    return parse_spec(doc, now=now)


def _recipients(raw: msgspec.Raw) -> object:
    try:
        recipients = RECIPIENTS_DECODER.decode(raw)
    except _REFUSED:
        pass
    else:
        # A number as triggered_at fits a Recipient but is no date-time: read as entries,
        # whose refusal sends it the plain way, which names it.
        if set(map(_TRIGGERED_AT, recipients)) <= {None}:
            return TypedRecipients(ready=recipients)
    try:
        return TypedRecipients(entries=ENTRIES_DECODER.decode(raw))
    except _REFUSED:
        return json.loads(bytes(raw))
