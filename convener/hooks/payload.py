"""Values read from a JSON payload by path.

A path is what a person copies from the sender's example payload: keys joined by dots,
list positions as numbers or in brackets (`contacts.0.email`, `contacts[0].email`).
Senders put dots inside keys (Mautic's `mautic.lead_post_save_update`), so at each step
the longest run of parts that is a key of the object is taken.
"""

from __future__ import annotations

import re
from typing import Any

_BRACKET = re.compile(r"\[(\d+)\]")
MISSING = object()


def parts(path: str) -> list[str]:
    return [p for p in _BRACKET.sub(r".\1", path.strip()).split(".") if p != ""]


def value_at(payload: Any, path: str) -> Any:
    """The value at `path`, or MISSING when the payload has none there."""
    steps = parts(path)
    if not steps:
        return MISSING
    here = payload
    i = 0
    while i < len(steps):
        if isinstance(here, dict):
            for end in range(len(steps), i, -1):
                key = ".".join(steps[i:end])
                if key in here:
                    here, i = here[key], end
                    break
            else:
                return MISSING
        elif isinstance(here, list) and steps[i].isdigit() and int(steps[i]) < len(here):
            here, i = here[int(steps[i])], i + 1
        else:
            return MISSING
    return here


def scalar(value: Any) -> str | int | float | bool | None:
    """A value a contact field can take: text, a number, true/false, or nothing. A list
    or object is refused by the caller with the path it came from."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError("an object or list, where one value was expected")
