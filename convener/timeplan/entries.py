"""The recipients of a SPEC as typed entries, read straight from JSON text.

A SPEC may list a million recipients. Read as Python dictionaries they take about
300 bytes each and a check per key in Python; decoded by msgspec into these entries, the
JSON types and the known keys are checked while reading, in C. A list that does not fit
(an unknown key, a number where a text belongs) is read again the plain way, so that
its error names the key exactly as it always has (``parse.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec


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
    """``recipients`` as decoded entries; their values still need ``parse.py``'s checks."""

    entries: Sequence[RecipientEntry]


RECIPIENTS_DECODER = msgspec.json.Decoder(list[RecipientEntry])
