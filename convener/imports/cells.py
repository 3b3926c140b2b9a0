"""One row of the file read into a contact's values, by the column mapping: each cell is
checked the way its field is checked everywhere else, and every problem is kept with the
field it belongs to, so the preview can show it under the cell and the report can name
the column.

How a cell is read depends on its target's kind. The contact's own fields have readers
here; a custom field's value goes through `crm.fields.clean_field_value`, so a kind of
custom field added there is read here too, and a reader for a kind that needs more than
that (a list of choices, say) plugs into `CUSTOM_READERS`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from convener.crm.fields import clean_field_value
from convener.crm.models import CustomField
from convener.imports.mapping import EMAIL, OWNER, Target
from convener.plaintext import one_line, single_line_error, text_error
from convener.team.models import User
from convener.timezones import zone_refusal

SHOWN_MAX = 60  # characters of a cell quoted back in a message


def shown(value: str) -> str:
    """A cell as a message quotes it: on one line, cut short."""
    flat = one_line(value)
    return f"“{flat[:SHOWN_MAX]}…”" if len(flat) > SHOWN_MAX else f"“{flat}”"


@dataclass(frozen=True)
class Problem:
    target: str  # the target key the problem is about; "" for the whole row
    message: str


@dataclass
class RowValues:
    """What one row asks for. `values` holds the contact's own fields that the row gives
    (an empty cell gives nothing: a new contact leaves the field empty, an existing one
    keeps its value), `fields` its custom field values."""

    row: int
    email: str = ""  # the address, once it is known to be valid
    written_email: str = ""  # the email cell as the file has it, for the report
    values: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    blank: bool = False


class OwnerDirectory:
    """Team members by email address, in any letter case, read once per import, and
    only when an owner is given: a web form or a webhook without an owner field reads no
    team at all for each delivery."""

    @cached_property
    def by_email(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = defaultdict(list)
        for pk, email in User.objects.exclude(email="").values_list("pk", "email"):
            found[email.strip().casefold()].append(pk)
        return dict(found)

    def find(self, text: str) -> int:
        matches = self.by_email.get(text.casefold(), [])
        if not matches:
            raise ValidationError(f"No team member has the address {shown(text)}.")
        if len(matches) > 1:
            raise ValidationError(
                f"{len(matches)} team members have the address {shown(text)}; give one of "
                "them another address, or leave the owner empty."
            )
        return matches[0]


def _read_email(text: str, target: Target) -> str:
    problem = single_line_error(text)
    if problem:
        raise ValidationError(f"The email address {problem}.")
    if len(text) > target.max_length:
        raise ValidationError(f"The email address is longer than {target.max_length} characters.")
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError(f"{shown(text)} is not a valid email address.") from None
    return text


def _read_name(text: str, target: Target) -> str:
    problem = single_line_error(text)
    if problem:
        raise ValidationError(f"The {target.label.lower()} {problem}.")
    if len(text) > target.max_length:
        raise ValidationError(
            f"The {target.label.lower()} is longer than {target.max_length} characters."
        )
    return text


def _read_zone(text: str, target: Target) -> str:
    refusal = zone_refusal(text)
    if refusal:
        raise ValidationError(f"{refusal}.")
    return text


def _read_custom_text(text: str, target: Target) -> str:
    problem = text_error(text)
    if problem:
        raise ValidationError(f"The value {problem}.")
    return text


CellReader = Callable[[str, Target], Any]

# Readers of custom field kinds that need more than `clean_field_value`.
CUSTOM_READERS: dict[str, CellReader] = {CustomField.Kind.TEXT: _read_custom_text}


def _read_custom(text: str, target: Target) -> Any:
    reader = CUSTOM_READERS.get(target.kind)
    if reader is not None:
        return reader(text, target)
    return clean_field_value(target.kind, text, target.choices)


class RowReader:
    """Reads rows by one mapping. Build it once per import (it reads the team's
    addresses), then call it for every row."""

    def __init__(self, mapping: list[str], choices: list[Target], width: int) -> None:
        by_key = {target.key: target for target in choices}
        self.columns = [
            (column, by_key[key]) for column, key in enumerate(mapping) if key in by_key
        ]
        self.email_column = next(
            (column for column, target in self.columns if target.key == EMAIL), None
        )
        self.width = width
        self.owners = OwnerDirectory()
        self.readers: dict[str, CellReader] = {
            "email": _read_email,
            "name": _read_name,
            "timezone": _read_zone,
            "owner": lambda text, target: self.owners.find(text),
        }

    def read(self, row: int, cells: list[str]) -> RowValues:
        result = RowValues(row)
        if not any(cell.strip() for cell in cells):
            result.blank = True
            return result
        extra = [cell for cell in cells[self.width :] if cell.strip()]
        if extra:
            result.problems.append(
                Problem(
                    "",
                    f"This row has {len(cells)} values but the first row names {self.width} "
                    "columns: a value that holds the delimiter must be in quotes.",
                )
            )
        for column, target in self.columns:
            text = cells[column].strip() if column < len(cells) else ""
            if target.key == EMAIL:
                result.written_email = one_line(text)
            if not text:
                if target.key == EMAIL:
                    result.problems.append(
                        Problem(EMAIL, "The email address is empty; every contact needs one.")
                    )
                continue
            reader = _read_custom if target.is_custom else self.readers[target.kind]
            try:
                value = reader(text, target)
            except ValidationError as error:
                result.problems.append(Problem(target.key, " ".join(error.messages)))
                continue
            if target.key == EMAIL:
                result.email = value
            elif target.key == OWNER:
                result.values["owner_id"] = value
            elif target.is_custom:
                if value is not None:
                    result.fields[target.custom_key] = value
            else:
                result.values[target.key] = value
        return result
