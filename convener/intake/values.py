"""Values given for a contact, by target key, read the way a CSV import reads a cell.

A target key is what `convener.imports.mapping.targets` lists: "email", "first_name",
"last_name", "company", "owner" (a team member's address), "timezone", and
"fields.<key>" for a custom field. Reading them here keeps one rule for every way
contact data comes in: the same value is refused with the same words by a CSV file, a
web form and a webhook.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from convener.imports.cells import Problem, RowReader, RowValues
from convener.imports.mapping import EMAIL, Target, targets, targets_for

__all__ = ["EMAIL", "Problem", "RowValues", "Target", "read_values", "targets", "targets_for"]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def read_values(given: Mapping[str, object], known: list[Target] | None = None) -> RowValues:
    """`given` (target key -> value) read and checked. Keys that name no target are
    ignored; an empty value gives nothing (an existing contact keeps its value). A
    missing or empty email is a problem on "email": every contact needs one."""
    keys = list(given)
    if EMAIL not in given:
        keys.append(EMAIL)
    cells = [_text(given.get(key)).strip() for key in keys]
    reader = RowReader(keys, known if known is not None else targets_for(keys), len(keys))
    values = reader.read(0, cells)
    if values.blank:
        values.blank = False
        values.problems.append(
            Problem(EMAIL, "The email address is empty; every contact needs one.")
        )
    return values
