"""Finding or making the contact values are for.

The address matches in any letter case, as the contacts' unique constraint compares it.
Only what was given changes: a form that does not ask for the company leaves the company
as it was, and custom fields are merged, never replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from convener.crm.models import Contact
from convener.db.rows import unique_row
from convener.imports.cells import RowValues


@dataclass(frozen=True)
class Upserted:
    contact: Contact
    created: bool
    changed: frozenset[str]  # the contact's fields this write changed


def upsert_contact(values: RowValues, *, default_owner_id: int | None = None) -> Upserted:
    """The contact of `values.email`, made or updated with `values` (read without
    problems). A new contact is owned by the given owner, else by `default_owner_id`.
    Two deliveries for a new address at once make one contact: the loser of the race
    finds the winner's and updates it."""
    if values.problems or not values.email:
        raise ValueError("upsert_contact needs values read without problems")
    for _ in range(2):
        existing = unique_row(Contact.objects.with_email(values.email))
        if existing is not None:
            return _update(existing, values)
        given = dict(values.values)
        contact = Contact(
            email=values.email,
            owner_id=given.pop("owner_id", default_owner_id),
            fields=dict(values.fields),
            **given,
        )
        try:
            with transaction.atomic():
                contact.save()
        except ValidationError as error:
            if "email" in error.message_dict:
                continue  # made a moment ago by a concurrent delivery: update that one
            raise
        return Upserted(contact, True, frozenset())
    raise RuntimeError("the contact was neither found nor made")  # pragma: no cover


def _update(contact: Contact, values: RowValues) -> Upserted:
    changed: set[str] = set()
    for name, value in values.values.items():
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.add(name)
    if values.fields:
        merged = {**(contact.fields or {}), **values.fields}
        if merged != contact.fields:
            contact.fields = merged
            changed.add("fields")
    if changed:
        contact.save(update_fields=[*changed, "updated_at"])
    return Upserted(contact, False, frozenset(changed))
