"""Title and description templates of a MeetingAction: text with placeholders, nothing more.

    Intro call with {{ contact.name }} ({{ contact.company }})

A placeholder is a name from `PLACEHOLDERS`, or `contact.fields.KEY` for a custom field,
between `{{` and `}}` (spaces inside are optional). A quoted string in braces renders as
itself: `{{ "{{" }}` writes two braces. That is all: no tags, no filters, no loops, so a
template can neither read what it should not nor take long to render, and rendering is a
lookup per placeholder, done before the meetings are written.

The syntax is the part of the Django template language the templates used before, so a
stored template that only used variables renders as it always did. In a stored template
with anything else, a `{{ name|filter }}` or an unknown name renders as nothing (as Django
rendered a missing variable) and a `{% tag %}` is shown as written, never run; saving the
action again asks for placeholders only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# name -> what it is, as docs/placeholders.md shows it.
PLACEHOLDERS: dict[str, str] = {
    "contact.name": "the contact's full name; their email when both names are empty",
    "contact.first_name": "the contact's first name",
    "contact.last_name": "the contact's last name",
    "contact.email": "the contact's email address",
    "contact.company": "the contact's company",
    "owner.name": "the name of the team member who owns the contact (empty if none)",
    "owner.email": "that team member's email address",
    "host.name": "the name of the team member whose account hosts the meeting",
    "host.email": "that team member's email address",
    "provider.name": "the meeting provider, e.g. Zoom or Google Meet",
}
FIELD_PREFIX = "contact.fields."
TITLE_TEMPLATE_LENGTH = 300  # MeetingAction.title_template's column

# As Django finds a variable: the shortest {{ ... }} on one line.
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}")
_QUOTED = re.compile(r"\s*(?:\"([^\"]*)\"|'([^']*)')\s*")
_NAME = re.compile(r"\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*", re.ASCII)


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str  # "" for anything that is not a placeholder: renders as nothing


Part = str | Placeholder


def parse(text: str) -> tuple[Part, ...]:
    """The template as literal text and placeholders, in order."""
    parts: list[Part] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[position : match.start()])
        position = match.end()
        inside = match.group(1)
        quoted = _QUOTED.fullmatch(inside)
        if quoted:
            parts.append(quoted.group(1) if quoted.group(1) is not None else quoted.group(2))
            continue
        name = _NAME.fullmatch(inside)
        parts.append(Placeholder(name.group(1) if name else ""))
    parts.append(text[position:])
    return tuple(part for part in parts if part != "")


def is_known(name: str, custom_fields: Iterable[str]) -> bool:
    if name in PLACEHOLDERS:
        return True
    return name.startswith(FIELD_PREFIX) and name[len(FIELD_PREFIX) :] in set(custom_fields)


def problems(text: str, custom_fields: Iterable[str]) -> list[str]:
    """What keeps `text` from being a template, in words naming the placeholder."""
    keys = set(custom_fields)
    found: list[str] = []
    tag = _TAG.search(text)
    if tag:
        found.append(f"{tag.group(0)} is not a placeholder; only {{{{ name }}}} placeholders")
    for match in _PLACEHOLDER.finditer(text):
        inside = match.group(1)
        if _QUOTED.fullmatch(inside):
            continue
        name = _NAME.fullmatch(inside)
        if name is None or not is_known(name.group(1), keys):
            found.append(f"unknown placeholder {match.group(0)}")
    return found


def describe_known(custom_fields: Iterable[str]) -> str:
    names = [*PLACEHOLDERS, *(f"{FIELD_PREFIX}{key}" for key in sorted(custom_fields))]
    return "known: " + ", ".join(names)


def render(parts: tuple[Part, ...], values: Mapping[str, str]) -> str:
    """The text, each placeholder replaced by its value ("" when it has none)."""
    return "".join(part if isinstance(part, str) else values.get(part.name, "") for part in parts)


def literal(text: str) -> str:
    """A template that renders `text` exactly (what a person typed is not a template).
    Only `{{` opens a placeholder, so only it needs quoting."""
    return text.replace("{{", "{{ '{{' }}")
