"""The recipients of a SPEC as typed entries, read straight from JSON text.

A SPEC may list a million recipients. Read as Python dictionaries they take about
300 bytes each and a check per key in Python; decoded by msgspec into these entries, the
JSON types and the known keys are checked while reading, in C. A list that does not fit
(an unknown key, a number where a text belongs) is read again the plain way, so that
its error names the key exactly as it always has (``parse.py``). A list without any
``triggered_at`` is decoded straight into ``Recipient`` objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from .spec import Recipient


# gc=False: entries hold only JSON values, which cannot form reference cycles, and a
# million objects tracked by the collector slow every collection that follows.
class RecipientEntry(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One item of ``recipients`` whose keys and JSON types are already right."""

    id: str
    host: str | None = None
    timezone: str | None = None
    browser_timezone: str | None = None
    fields: dict[str, Any] | None = None
    triggered_at: str | None = None


@dataclass(frozen=True, slots=True)
class TypedRecipients:
    """``recipients`` decoded: as ``Recipient`` objects already (``ready``) when none has a
    ``triggered_at`` (text in JSON, a number in a ``Recipient``), else as ``entries``.
    Either way their ids still need ``parse.py``'s checks."""

    ready: list[Recipient] | None = None
    entries: Sequence[RecipientEntry] = ()


# Straight into the planner's own objects: no second object per recipient.
RECIPIENTS_DECODER = msgspec.json.Decoder(list[Recipient])
ENTRIES_DECODER = msgspec.json.Decoder(list[RecipientEntry])
