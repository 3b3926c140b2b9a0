"""What a column of the file can be imported as, the guess made from its name, and the
check of a whole mapping before anything is imported."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from convener.crm.models import CustomField

EMAIL = "email"
OWNER = "owner"
TIMEZONE = "timezone"
CUSTOM_PREFIX = "fields."


@dataclass(frozen=True)
class Target:
    """A contact field a column can fill. `kind` says how a cell is read: "email",
    "name" (one line of text), "owner", "timezone", or a custom field's kind."""

    key: str
    label: str
    kind: str
    max_length: int = 0
    help: str = ""
    choices: tuple[str, ...] = ()  # a choice field's allowed values

    @property
    def custom_key(self) -> str:
        return self.key.removeprefix(CUSTOM_PREFIX) if self.is_custom else ""

    @property
    def is_custom(self) -> bool:
        return self.key.startswith(CUSTOM_PREFIX)


BUILT_IN = (
    Target(EMAIL, "Email", "email", 254, "Required; finds the contact to update"),
    Target("first_name", "First name", "name", 100),
    Target("last_name", "Last name", "name", 100),
    Target("company", "Company", "name", 200),
    Target(OWNER, "Owner (a team member's email)", "owner"),
    Target(TIMEZONE, "Time zone", "timezone", 64, "An IANA name such as Europe/Paris"),
)

# Column names people use for each built-in field, compared without case, accents, spaces
# or punctuation ("E-mail address" is "emailaddress", "Prénom" is "prenom").
_NAMES = {
    EMAIL: {"email", "emailaddress", "mail", "courriel", "correo", "emailadresse"},
    "first_name": {"firstname", "first", "givenname", "forename", "prenom", "vorname"},
    "last_name": {"lastname", "last", "surname", "familyname", "nom", "nachname"},
    "company": {
        *("company", "companyname", "organization", "organisation", "account", "firm"),
        *("societe", "entreprise", "unternehmen", "empresa"),
    },
    OWNER: {"owner", "owneremail", "contactowner", "accountowner", "assignedto", "salesrep"},
    TIMEZONE: {"timezone", "tz", "zone", "timezonename", "fuseauhoraire", "fuseau", "zeitzone"},
}


def fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return re.sub(r"[\W_]+", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def targets() -> list[Target]:
    """Every target: the contact's own fields, then the custom fields."""
    custom = [
        Target(
            f"{CUSTOM_PREFIX}{field.key}",
            field.label,
            field.kind,
            choices=tuple(field.choices or ()),
        )
        for field in CustomField.objects.order_by("label")
    ]
    return [*BUILT_IN, *custom]


def targets_for(keys: Iterable[str]) -> list[Target]:
    """The targets `keys` may name: the built-in ones alone when none of them is a custom
    field's, without reading the custom fields. A form submission or webhook delivery
    reads its values on the request's path, and most name no custom field."""
    if any(key.startswith(CUSTOM_PREFIX) for key in keys):
        return targets()
    return list(BUILT_IN)


def guess(headers: list[str], choices: list[Target]) -> list[str]:
    """A target for each column whose name says what it holds; each target once, for the
    first column that names it."""
    names: dict[str, str] = {}
    for target in choices:
        if target.is_custom:
            names.setdefault(fold(target.custom_key), target.key)
            names.setdefault(fold(target.label), target.key)
        else:
            for name in _NAMES[target.key]:
                names.setdefault(name, target.key)
    used: set[str] = set()
    mapping: list[str] = []
    for header in headers:
        key = names.get(fold(header), "")
        if key in used:
            key = ""
        used.add(key)
        mapping.append(key)
    return mapping


def normalise(mapping: list[str], width: int, choices: list[Target]) -> list[str]:
    """`mapping` as one entry per column, unknown targets left out."""
    known = {target.key for target in choices}
    entries = [entry if entry in known else "" for entry in mapping[:width]]
    return entries + [""] * (width - len(entries))


@dataclass(frozen=True)
class MappingErrors:
    general: list[str]
    by_column: dict[int, str]

    def __bool__(self) -> bool:
        return bool(self.general or self.by_column)


def check(mapping: list[str], choices: list[Target]) -> MappingErrors:
    """What is wrong with a mapping: no email column, a field chosen for two columns, a
    custom field that no longer exists."""
    labels = {target.key: target.label for target in choices}
    general: list[str] = []
    by_column: dict[int, str] = {}
    if EMAIL not in mapping:
        general.append("Choose the column that holds the email address: it is required.")
    first: dict[str, int] = {}
    for column, key in enumerate(mapping):
        if not key:
            continue
        if key not in labels:
            by_column[column] = "This custom field no longer exists; choose another."
        elif key in first:
            by_column[column] = (
                f"{labels[key]} is already imported from column {first[key] + 1}; "
                "choose one column for each field."
            )
        else:
            first[key] = column
    return MappingErrors(general, by_column)
