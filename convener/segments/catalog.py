"""What a segment's conditions may test: the fields (the contact's own and the custom
fields), their kinds, and the operators each kind offers, with the words the rule
builder shows for them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from convener.crm.models import CustomField

CUSTOM_PREFIX = "fields."


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    OWNER = "owner"
    MEETINGS = "meetings"


# What an operator's value is.
class Takes(StrEnum):
    NOTHING = "nothing"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"  # a calendar day
    MOMENT = "moment"  # a calendar day, or a local date and time
    DAYS = "days"  # a whole number of days
    USERNAME = "username"


@dataclass(frozen=True)
class Operator:
    name: str
    label: str
    takes: Takes


@dataclass(frozen=True)
class FieldSpec:
    """A field a condition may test: one of the contact's own, or a custom field."""

    name: str  # as in the rules: "company", "fields.renewal"
    label: str
    kind: Kind
    custom: bool = False

    @property
    def key(self) -> str:
        """The custom field's key in Contact.fields."""
        return self.name.removeprefix(CUSTOM_PREFIX)


def _ops(*items: tuple[str, str, Takes]) -> tuple[Operator, ...]:
    return tuple(Operator(name, label, takes) for name, label, takes in items)


_EMPTY = (("is_empty", "is empty", Takes.NOTHING), ("is_not_empty", "is not empty", Takes.NOTHING))


def _day_ops(takes: Takes) -> tuple[Operator, ...]:
    return _ops(
        ("on", "is on", Takes.DATE),
        ("before", "is before", takes),
        ("after", "is after", takes),
        ("on_or_before", "is on or before", takes),
        ("on_or_after", "is on or after", takes),
        ("in_next_days", "is within the next … days", Takes.DAYS),
        ("in_last_days", "is within the last … days", Takes.DAYS),
        *_EMPTY,
    )


OPERATORS: dict[Kind, tuple[Operator, ...]] = {
    Kind.TEXT: _ops(
        ("is", "is", Takes.TEXT),
        ("is_not", "is not", Takes.TEXT),
        ("contains", "contains", Takes.TEXT),
        ("not_contains", "does not contain", Takes.TEXT),
        ("starts_with", "starts with", Takes.TEXT),
        *_EMPTY,
    ),
    Kind.NUMBER: _ops(
        ("eq", "=", Takes.NUMBER),
        ("ne", "≠", Takes.NUMBER),
        ("lt", "<", Takes.NUMBER),
        ("lte", "≤", Takes.NUMBER),
        ("gt", ">", Takes.NUMBER),
        ("gte", "≥", Takes.NUMBER),
        *_EMPTY,
    ),
    Kind.DATE: _day_ops(Takes.DATE),
    Kind.DATETIME: _day_ops(Takes.MOMENT),
    Kind.BOOLEAN: _ops(
        ("is_true", "is yes", Takes.NOTHING),
        ("is_false", "is no", Takes.NOTHING),
        *_EMPTY,
    ),
    Kind.OWNER: _ops(
        ("is", "is", Takes.USERNAME),
        ("is_not", "is not", Takes.USERNAME),
        ("is_empty", "is nobody", Takes.NOTHING),
        ("is_not_empty", "is someone", Takes.NOTHING),
    ),
    Kind.MEETINGS: _ops(
        ("yes", "has an upcoming meeting", Takes.NOTHING),
        ("no", "has no upcoming meeting", Takes.NOTHING),
    ),
}

STANDARD_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "Name", Kind.TEXT),
    FieldSpec("email", "Email", Kind.TEXT),
    FieldSpec("company", "Company", Kind.TEXT),
    FieldSpec("owner", "Owner", Kind.OWNER),
    FieldSpec("timezone", "Time zone", Kind.TEXT),
    FieldSpec("created_at", "Created", Kind.DATETIME),
    FieldSpec("upcoming_meeting", "Meetings", Kind.MEETINGS),
)

_CUSTOM_KINDS: dict[str, Kind] = {
    CustomField.Kind.TEXT: Kind.TEXT,
    CustomField.Kind.NUMBER: Kind.NUMBER,
    CustomField.Kind.DATE: Kind.DATE,
    CustomField.Kind.DATETIME: Kind.DATETIME,
    CustomField.Kind.BOOLEAN: Kind.BOOLEAN,
}

KIND_WORDS = {
    Kind.TEXT: "a text",
    Kind.NUMBER: "a number",
    Kind.DATE: "a date",
    Kind.DATETIME: "a date and time",
    Kind.BOOLEAN: "a yes/no field",
    Kind.OWNER: "the owner",
    Kind.MEETINGS: "the meetings",
}


def field_catalog() -> dict[str, FieldSpec]:
    """Every field a condition may name now: the contact's own, then the custom fields
    (a kind another version added, and that has no comparison here, is compared as text)."""
    catalog = {spec.name: spec for spec in STANDARD_FIELDS}
    for key, label, kind in CustomField.objects.order_by("label").values_list(
        "key", "label", "kind"
    ):
        name = f"{CUSTOM_PREFIX}{key}"
        catalog[name] = FieldSpec(name, label, _CUSTOM_KINDS.get(kind, Kind.TEXT), custom=True)
    return catalog


def operator_of(spec: FieldSpec, name: str) -> Operator | None:
    return next((op for op in OPERATORS[spec.kind] if op.name == name), None)
