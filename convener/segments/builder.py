"""The rule builder of the segment form: the conditions as the person typed them, read
from the posted form and edited by its buttons (add a condition, add an OR group, remove
a condition), and laid out for the template with the choices each row offers.

Each condition is three inputs named by its place, `g<group>c<condition>-field`,
`-operator` and `-value`, and a hidden `-was` that remembers the field the row was
drawn for: when the field changes, the row starts again from that field's first
operator, with no value. The builder is rendered by the server, so it works the same
with htmx (which swaps in only the builder) and without it (the whole page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from convener.segments.catalog import OPERATORS, FieldSpec, Kind, Takes, operator_of
from convener.segments.rules import CONDITIONS_MAX, GROUPS_MAX
from convener.team.models import User

_NAME = re.compile(r"^g(\d{1,2})c(\d{1,2})-field$")
FIRST_FIELD = "name"


@dataclass
class Row:
    field: str = FIRST_FIELD
    operator: str = ""
    value: str = ""


@dataclass
class Group:
    rows: list[Row] = field(default_factory=lambda: [Row()])


def read(data: Mapping[str, Any]) -> list[Group]:
    """The groups the form holds, in their order on the page."""
    places: dict[int, dict[int, Row]] = {}
    for name in data:
        found = _NAME.match(name)
        if found is None:
            continue
        g, c = int(found.group(1)), int(found.group(2))
        prefix = f"g{g}c{c}-"
        row = Row(
            field=str(data.get(f"{prefix}field", "")),
            operator=str(data.get(f"{prefix}operator", "")),
            value=str(data.get(f"{prefix}value", "")).strip(),
        )
        if str(data.get(f"{prefix}was", row.field)) != row.field:
            row.operator, row.value = "", ""  # a new field: start the row again
        places.setdefault(g, {})[c] = row
    return [Group([rows[c] for c in sorted(rows)]) for g, rows in sorted(places.items())]


def edit(groups: list[Group], command: str) -> list[Group]:
    """Apply a builder button: add-condition:<g>, add-group, remove:<g>:<c>."""
    verb, _, place = command.partition(":")
    try:
        numbers = [int(part) for part in place.split(":")] if place else []
    except ValueError:
        return groups
    if verb == "add-group" and len(groups) < GROUPS_MAX:
        groups.append(Group())
    elif verb == "add-condition" and len(numbers) == 1 and 0 <= numbers[0] < len(groups):
        rows = groups[numbers[0]].rows
        if len(rows) < CONDITIONS_MAX:
            rows.append(Row())
    elif verb == "remove" and len(numbers) == 2 and 0 <= numbers[0] < len(groups):
        rows = groups[numbers[0]].rows
        if 0 <= numbers[1] < len(rows):
            del rows[numbers[1]]
        if not rows:
            del groups[numbers[0]]
    return groups or [Group()]


def document(groups: list[Group]) -> dict[str, Any]:
    """The rules JSON of what was typed, for rules.parse to check."""
    return {
        "groups": [
            {
                "conditions": [
                    {"field": row.field, "operator": row.operator, "value": row.value or None}
                    for row in group.rows
                ]
            }
            for group in groups
        ]
    }


def from_document(rules: Any) -> list[Group]:
    """The groups of stored rules, to edit them."""
    groups = []
    for raw in (rules or {}).get("groups", []) if isinstance(rules, dict) else []:
        rows = [
            Row(
                str(item.get("field", "")),
                str(item.get("operator", "")),
                "" if item.get("value") is None else str(item.get("value")),
            )
            for item in raw.get("conditions", [])
            if isinstance(item, dict)
        ]
        if rows:
            groups.append(Group(rows))
    return groups or [Group()]


# -- for the template ----------------------------------------------------------------------

INPUT_TYPES = {
    Takes.TEXT: "text",
    Takes.NUMBER: "number",
    Takes.DATE: "date",
    Takes.MOMENT: "datetime-local",
    Takes.DAYS: "number",
    Takes.USERNAME: "select",
    Takes.NOTHING: "",
}


@dataclass
class RowView:
    prefix: str  # "g0c1-"
    group: int
    index: int
    row: Row
    spec: FieldSpec | None
    operators: list[tuple[str, str]]
    input_type: str  # "", "text", "number", "date", "datetime-local", "select"
    days: bool
    errors: list[str]


@dataclass
class GroupView:
    index: int
    rows: list[RowView]
    errors: list[str]


@dataclass
class FieldChoices:
    contact: list[tuple[str, str]]
    custom: list[tuple[str, str]]
    meetings: list[tuple[str, str]]


def field_choices(catalog: Mapping[str, FieldSpec]) -> FieldChoices:
    specs = list(catalog.values())
    return FieldChoices(
        contact=[(s.name, s.label) for s in specs if not s.custom and s.kind != Kind.MEETINGS],
        custom=[(s.name, s.label) for s in specs if s.custom],
        meetings=[(s.name, s.label) for s in specs if s.kind == Kind.MEETINGS],
    )


def owners() -> list[tuple[str, str]]:
    return [(u.username, u.display_name) for u in User.objects.filter(is_active=True)]


def layout(
    groups: list[Group], catalog: Mapping[str, FieldSpec], errors: Mapping[str, list[str]]
) -> list[GroupView]:
    """Every row with the operators its field offers and the input its operator takes;
    an operator the field does not have becomes the field's first. `errors` are keyed as
    RulesError.message_dict() keys them ("rules.groups.0.conditions.1.value")."""
    views = []
    for g, group in enumerate(groups):
        rows = []
        for c, row in enumerate(group.rows):
            spec = catalog.get(row.field)
            operators = [(op.name, op.label) for op in OPERATORS[spec.kind]] if spec else []
            operator = operator_of(spec, row.operator) if spec else None
            if spec is not None and operator is None:
                operator = OPERATORS[spec.kind][0]
                row.operator = operator.name
            takes = operator.takes if operator else Takes.TEXT
            place = f"rules.groups.{g}.conditions.{c}"
            rows.append(
                RowView(
                    prefix=f"g{g}c{c}-",
                    group=g,
                    index=c,
                    row=row,
                    spec=spec,
                    operators=operators,
                    input_type=INPUT_TYPES[takes],
                    days=takes is Takes.DAYS,
                    errors=[
                        message
                        for key in (place, f"{place}.field", f"{place}.operator", f"{place}.value")
                        for message in errors.get(key, [])
                    ],
                )
            )
        group_errors = list(errors.get(f"rules.groups.{g}.conditions", []))
        views.append(GroupView(g, rows, group_errors))
    return views
