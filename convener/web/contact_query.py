"""Which contacts the contacts list shows, and in what order: the search, the filters and
the sort, read from the page's query string.

The same query is what a selection of "all N matching" carries to the bulk popup and to
deletion, so those resolve exactly the contacts the person saw counted, on the server,
without a list of ids travelling back and forth.

A filter is one function taking (query, user, contacts) and returning the contacts it
keeps (FILTERS). A filter with a value it cannot read (an unknown owner, a number field
given "abc") says so and keeps no contact: a selection of "all matching" must never grow
because a filter was dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce, Concat, Lower, NullIf, Trim
from django.utils import timezone

from convener.crm.fields import BadValue, clean_value
from convener.crm.models import Contact, CustomField
from convener.meetings.models import Meeting, MeetingState
from convener.team import access

TEXT_MAX = 200


class FilterProblem(ValueError):
    """A filter's value cannot be read; the message says why, in the person's words."""


@dataclass(frozen=True)
class ContactQuery:
    q: str = ""
    owner: str = ""  # "", "me", "none" or a team member's id
    tz: str = ""  # "", "none" (not known) or an IANA name
    field: str = ""  # a custom field's key
    value: str = ""  # its value; empty: the contact has any value for it
    upcoming: str = ""  # "1": has an upcoming meeting
    sort: str = "name"

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ContactQuery:
        values: dict[str, str] = {}
        for item in fields(cls):
            raw = params.get(item.name, "")
            # PostgreSQL refuses NUL in text, even in a search: it cannot match anything.
            text = str(raw or "").replace("\x00", "").strip()[:TEXT_MAX]
            if text:
                values[item.name] = text
        query = cls(**values)
        if query.sort.lstrip("-") not in ORDERINGS:
            query = replace(query, sort="name")
        return query

    def as_params(self, *, sort: bool = True) -> dict[str, str]:
        """The query as query-string parameters, without the empty ones."""
        params = {item.name: getattr(self, item.name) for item in fields(self)}
        if not sort or params["sort"] == "name":
            params.pop("sort")
        return {name: value for name, value in params.items() if value}

    @property
    def filtered(self) -> bool:
        return bool(self.as_params(sort=False))

    def contacts(self, user: Any, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
        """`contacts` narrowed by every filter; raises FilterProblem."""
        for keep in FILTERS:
            contacts = keep(self, user, contacts)
        return contacts

    def ordered(self, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
        name = self.sort.lstrip("-")
        descending = self.sort.startswith("-")
        order = []
        for expression in ORDERINGS[name]:
            term = F(expression) if isinstance(expression, str) else expression
            # Only the owner can be missing; the other columns are never NULL, and an
            # order without NULLS LAST lets the database read it from an index.
            if name == "owner":
                order.append(
                    term.desc(nulls_last=True) if descending else term.asc(nulls_last=True)
                )
            else:
                order.append(term.desc() if descending else term.asc())
        # The id last: pages of equal names stay in one order.
        return contacts.order_by(*order, "-pk" if descending else "pk")


# The owner as the list shows them: their full name, else their username.
OWNER_NAME = Lower(
    Coalesce(
        NullIf(Trim(Concat("owner__first_name", Value(" "), "owner__last_name")), Value("")),
        "owner__username",
    )
)

ORDERINGS: dict[str, list[Any]] = {
    "name": [Lower("last_name"), Lower("first_name"), Lower("email")],
    "email": [Lower("email")],
    "created": ["created_at"],
    "owner": [OWNER_NAME, Lower("last_name"), Lower("first_name")],
}


# -- the filters ---------------------------------------------------------------------------


def _by_search(query: ContactQuery, user: Any, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    if not query.q:
        return contacts
    condition = Q()
    for word in query.q.split()[:10]:
        condition &= (
            Q(email__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(company__icontains=word)
        )
    return contacts.filter(condition)


def _by_owner(query: ContactQuery, user: Any, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    if not query.owner:
        return contacts
    if query.owner == "none":
        return contacts.filter(owner__isnull=True)
    if query.owner == "me":
        return contacts.filter(owner=user.pk)
    if not query.owner.isdigit():
        raise FilterProblem("Owner: choose a team member from the list.")
    return contacts.filter(owner=int(query.owner))


def _by_zone(query: ContactQuery, user: Any, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    if not query.tz:
        return contacts
    return contacts.filter(timezone="" if query.tz == "none" else query.tz)


def _by_field(query: ContactQuery, user: Any, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    if not query.field:
        return contacts
    field = CustomField.objects.filter(key=query.field).first()
    if field is None:
        raise FilterProblem(f"There is no custom field {query.field!r} any more.")
    if not query.value:
        return contacts.filter(fields__has_key=field.key)
    # The key as one JSON key, whatever it holds ("a__b" is not a path here); looked up
    # by name, so that Django writes the value as JSON.
    contacts = contacts.alias(custom_value=KeyTransform(field.key, "fields"))
    if field.kind == CustomField.Kind.TEXT:
        return contacts.filter(**{"custom_value__icontains": query.value})
    if field.kind == CustomField.Kind.DATETIME:
        # "On that day" when a date is given, else the moment as written.
        try:
            day = clean_value(CustomField.Kind.DATE, query.value)
        except BadValue:
            day = None
        if day is not None:
            return contacts.filter(**{"custom_value__startswith": day})
    try:
        value = clean_value(field.kind, query.value, field.choices or [])
    except BadValue as exc:
        raise FilterProblem(f"{field.label}: {query.value!r} is not {exc}.") from None
    return contacts.filter(**{"custom_value": value})


def _by_upcoming_meeting(
    query: ContactQuery, user: Any, contacts: QuerySet[Contact]
) -> QuerySet[Contact]:
    if query.upcoming != "1":
        return contacts
    # Only meetings the person may see count: the filter must not reveal the others.
    upcoming = access.visible(
        user,
        Meeting.objects.filter(
            contact=OuterRef("pk"), start__gt=timezone.now(), cancel_requested=False
        ).exclude(state=MeetingState.CANCELLED),
    )
    return contacts.filter(Exists(upcoming))


Filter = Callable[[ContactQuery, Any, QuerySet[Contact]], QuerySet[Contact]]

# In order; a new filter (a segment, say) is one more field on ContactQuery, one function
# here and one input in web/contacts/filters.html.
FILTERS: list[Filter] = [_by_search, _by_owner, _by_zone, _by_field, _by_upcoming_meeting]


def matching(user: Any, query: ContactQuery) -> QuerySet[Contact]:
    """The contacts the person may see that match `query`; raises FilterProblem."""
    return query.contacts(user, access.visible_contacts(user))
