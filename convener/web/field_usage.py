"""What uses a custom field, for the confirmation before it is deleted: the contacts that
hold a value for it, and whatever packages above web register (the segments whose rules
name it). Web cannot import those packages (they import web), so they register a counter
here from their AppConfig.ready, as they register contact list filters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models.fields.json import KeyTransform

from convener.crm.models import Contact, CustomField


@dataclass(frozen=True)
class FieldUser:
    """Something that can use a custom field: `count(key)` says how many of it do."""

    one: str  # "segment's rules"
    many: str  # "segments' rules"
    count: Callable[[str], int]
    # What happens to them when the field is deleted, in the person's words.
    consequence: str = ""


REGISTERED: list[FieldUser] = []


def register_field_user(user: FieldUser) -> None:
    if user not in REGISTERED:  # AppConfig.ready may run more than once
        REGISTERED.append(user)


@dataclass(frozen=True)
class Use:
    count: int
    noun: str
    consequence: str


def holding_a_value(field: CustomField) -> int:
    return Contact.objects.filter(fields__has_key=field.key).count()


def holding_one_of(field: CustomField, values: list[str]) -> int:
    """Contacts whose value for `field` is one of `values` (choices being taken away)."""
    if not values:
        return 0
    # The key as one JSON key, whatever it holds, as the contacts list reads it.
    holding = Contact.objects.alias(custom_value=KeyTransform(field.key, "fields"))
    return holding.filter(custom_value__in=values).count()


def uses(field: CustomField) -> list[Use]:
    """Every registered user of `field`, counted (those with none included)."""
    found = []
    for user in REGISTERED:
        count = user.count(field.key)
        found.append(Use(count, user.one if count == 1 else user.many, user.consequence))
    return found
