"""What becomes of each row: a new contact, a change to an existing one, no change, or a
skip with its reasons. Decided against the contacts that exist (an address matches in any
letter case, as the contacts' unique constraint does) and against what the importing
person may do, through `team.access` like every other change of a contact. The preview and
the import run this same decision, so the preview says what the import will do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models.functions import Lower

from convener.crm.models import DUPLICATE_EMAIL_MESSAGE, Contact
from convener.imports.cells import Problem, RowValues
from convener.imports.mapping import EMAIL, OWNER
from convener.team import access


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    BLANK = "blank"


@dataclass
class Decision:
    row: int
    email: str
    outcome: Outcome
    contact: Contact | None = None
    changed: frozenset[str] = frozenset()  # model fields an update changes
    problems: list[Problem] = field(default_factory=list)


class Importer:
    """The importing person as `team.access` asks about them, with their permissions read
    once per chunk: a chunk asks the same few questions a thousand times, and Django would
    load its authentication backends for every one. A permission changed during an import
    applies from the next chunk on."""

    is_authenticated = True

    def __init__(self, user: Any) -> None:
        self.pk = user.pk
        self.is_active = bool(user.is_active)
        self.is_superuser = bool(user.is_superuser)
        self.permissions = frozenset(user.get_all_permissions()) if self.is_active else frozenset()

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return self.is_active and (self.is_superuser or perm in self.permissions)


def fingerprint(email: str) -> int:
    """A 64-bit number for an address in any letter case, the same in every process (a
    resumed run may be another process): two of the addresses of a million-row file share
    one with odds of about 1 in 30 million."""
    digest = hashlib.blake2b(email.lower().encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SeenAddresses:
    """The addresses of earlier rows and the row each was first on, so that a later row
    with the same address is reported rather than applied twice. `earlier` holds those
    the caller found for this chunk (the import keeps them in the database, see
    `models.SeenAddress`); `new` collects the chunk's own, for the caller to keep."""

    def __init__(self, earlier: dict[int, int] | None = None) -> None:
        self.earlier = earlier or {}
        self.new: dict[int, int] = {}

    def first_row(self, email: str) -> int | None:
        key = fingerprint(email)
        return self.earlier.get(key, self.new.get(key))

    def remember(self, email: str, row: int) -> None:
        key = fingerprint(email)
        if key not in self.earlier:
            self.new.setdefault(key, row)


def existing_contacts(emails: Iterable[str]) -> dict[str, Contact]:
    """The contacts with these addresses, keyed by the address in lower case.

    ASCII addresses, nearly all of them, are looked up together: their lower case is the
    same in Python, SQLite and PostgreSQL. Any other is looked up alone with LOWER() on
    both sides, exactly as the unique constraint compares them.
    """
    keys = {email.lower() for email in emails if email}
    plain = [key for key in keys if key.isascii()]
    found: dict[str, Contact] = {}
    if plain:
        matches = Contact.objects.annotate(email_key=Lower("email")).filter(email_key__in=plain)
        for contact in matches:
            found[contact.email_key] = contact  # type: ignore[attr-defined]
    for key in keys.difference(plain):
        other = Contact.objects.with_email(key).first()
        if other is not None:
            found[key] = other
    return found


def _skipped(values: RowValues, problems: list[Problem]) -> Decision:
    return Decision(values.row, values.written_email, Outcome.SKIPPED, problems=problems)


def _create(values: RowValues, user: Importer) -> Decision:
    if not access.may_add_contacts(user):
        try:
            access.require_may_add_contacts(user)
        except access.NotAllowed as refused:
            return _skipped(values, [Problem("", refused.message)])
    given = dict(values.values)
    contact = Contact(
        email=values.email,
        owner_id=given.pop("owner_id", getattr(user, "pk", None)),
        fields=dict(values.fields),
        **given,
    )
    try:
        access.require_edit_after(user, contact)
    except access.NotAllowed as refused:
        return _skipped(
            values, [Problem(OWNER if refused.field == "owner" else "", refused.message)]
        )
    return Decision(values.row, values.written_email, Outcome.CREATED, contact)


def _update(values: RowValues, contact: Contact, user: Importer) -> Decision:
    if not access.can_view(user, contact):
        message = DUPLICATE_EMAIL_MESSAGE.removesuffix(".") + ", and you may not change it."
        return _skipped(values, [Problem(EMAIL, message)])
    reason = access.refusal(user, contact)
    if reason:
        return _skipped(values, [Problem("", reason)])
    changed: set[str] = set()
    for name, value in values.values.items():
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            changed.add("owner" if name == "owner_id" else name)
    if values.fields:
        merged = {**(contact.fields or {}), **values.fields}
        if merged != contact.fields:
            contact.fields = merged
            changed.add("fields")
    if not changed:
        return Decision(values.row, values.written_email, Outcome.UNCHANGED, contact)
    if "owner" in changed:
        try:
            access.require_edit_after(user, contact)
        except access.NotAllowed as refused:
            return _skipped(values, [Problem(OWNER, refused.message)])
    return Decision(values.row, values.written_email, Outcome.UPDATED, contact, frozenset(changed))


def decide(rows: list[RowValues], person: Any, seen: SeenAddresses) -> list[Decision]:
    """A decision for each row, in order, for `person` (a User); `seen` learns the rows'
    addresses."""
    user = Importer(person)
    existing = existing_contacts(values.email for values in rows if not values.problems)
    decisions: list[Decision] = []
    for values in rows:
        if values.blank:
            decisions.append(Decision(values.row, "", Outcome.BLANK))
            continue
        problems = list(values.problems)
        if values.email:
            first = seen.first_row(values.email)
            if first is None:
                seen.remember(values.email, values.row)
            else:
                problems.insert(
                    0,
                    Problem(
                        EMAIL,
                        f"This address is also on row {first}; each address is imported "
                        "from its first row only.",
                    ),
                )
        if problems:
            decisions.append(_skipped(values, problems))
        elif values.email.lower() in existing:
            decisions.append(_update(values, existing[values.email.lower()], user))
        else:
            decisions.append(_create(values, user))
    return decisions
