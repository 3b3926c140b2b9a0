"""Which contacts the contacts list shows, and in what order: the search, the filters and
the sort, read from the page's query string.

The same query is what a selection of "all N matching" carries to the bulk popup and to
deletion, so those resolve exactly the contacts the person saw counted, on the server,
without a list of ids travelling back and forth.

A filter is one function taking (query, user, contacts) and returning the contacts it
keeps (FILTERS). A filter with a value it cannot read (an unknown owner, a number field
given "abc") says so and keeps no contact: a selection of "all matching" must never grow
because a filter was dropped.

A package above web in the layers cannot be imported from here (segments imports web's
form fields, so web importing segments would be a cycle). Such a package registers a
ListFilter instead (`register_filter`, from its AppConfig.ready): its parameter travels
in `ContactQuery.extra` like any other, and its values, options and bulk actions come
from the registration. The contacts list never names the package.
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
    # The registered filters' values, as (parameter, value) in registration order.
    extra: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ContactQuery:
        values: dict[str, Any] = {}
        for name in _own_params():
            if text := _text(params.get(name, "")):
                values[name] = text
        values["extra"] = tuple(
            (name, text) for name in REGISTERED if (text := _text(params.get(name, "")))
        )
        query = cls(**values)
        if query.sort.lstrip("-") not in ORDERINGS:
            query = replace(query, sort="name")
        return query

    def as_params(self, *, sort: bool = True) -> dict[str, str]:
        """The query as query-string parameters, without the empty ones."""
        params = {name: getattr(self, name) for name in _own_params()}
        params.update(self.extra)
        if not sort or params["sort"] == "name":
            params.pop("sort")
        return {name: value for name, value in params.items() if value}

    def value_of(self, param: str) -> str:
        """A registered filter's value; "" when it is not set."""
        return dict(self.extra).get(param, "")

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


def _text(raw: Any) -> str:
    # PostgreSQL refuses NUL in text, even in a search: it cannot match anything.
    return str(raw or "").replace("\x00", "").strip()[:TEXT_MAX]


def _own_params() -> list[str]:
    return [item.name for item in fields(ContactQuery) if item.name != "extra"]


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


def _by_registered(
    query: ContactQuery, user: Any, contacts: QuerySet[Contact]
) -> QuerySet[Contact]:
    for param, value in query.extra:
        if registered := REGISTERED.get(param):
            contacts = registered.keep(value, user, contacts)
    return contacts


Filter = Callable[[ContactQuery, Any, QuerySet[Contact]], QuerySet[Contact]]

# In order; a new filter of web's own is one more field on ContactQuery, one function
# here and one input in web/contacts/filters.html; one from a package above web is a
# registered ListFilter.
FILTERS: list[Filter] = [
    _by_search,
    _by_owner,
    _by_zone,
    _by_field,
    _by_upcoming_meeting,
    _by_registered,
]


# -- filters registered by packages above web ----------------------------------------------


@dataclass(frozen=True)
class BulkAction:
    """A button of the list's bulk bar that opens a page in a dialog, sent the
    selection's inputs (those of web.selection.Selection)."""

    key: str  # unique, names the dialog: bulk-<key>-dialog
    label: str
    title: str  # the dialog's heading
    # The page's URL for this query and person, or None when the button is not offered
    # (e.g. "Remove from segment" while the list is not filtered by a segment they may
    # change).
    href: Callable[[ContactQuery, Any], str | None]


@dataclass(frozen=True)
class OfferedAction:
    key: str
    label: str
    title: str
    href: str


@dataclass(frozen=True)
class ListFilter:
    """A filter of the contacts list that a package above web provides.

    `keep(value, user, contacts)` narrows the contacts, raising FilterProblem for a value
    it cannot read; `options(user)` is the (value, label) list the filter's select offers
    that person. It must only offer, and only keep, what the person may see."""

    param: str  # the query-string parameter; must not be one of ContactQuery's own
    label: str
    options: Callable[[Any], list[tuple[str, str]]]
    keep: Callable[[str, Any, QuerySet[Contact]], QuerySet[Contact]]
    actions: tuple[BulkAction, ...] = ()


REGISTERED: dict[str, ListFilter] = {}


def register_filter(list_filter: ListFilter) -> None:
    if list_filter.param in _own_params():
        raise ValueError(f"{list_filter.param!r} is already a parameter of the contacts list")
    REGISTERED[list_filter.param] = list_filter


@dataclass(frozen=True)
class ShownFilter:
    """A registered filter as the filters form shows it."""

    param: str
    label: str
    value: str
    options: list[tuple[str, str]]


def shown_filters(query: ContactQuery, user: Any) -> list[ShownFilter]:
    return [
        ShownFilter(f.param, f.label, query.value_of(f.param), f.options(user))
        for f in REGISTERED.values()
    ]


def offered_actions(query: ContactQuery, user: Any) -> list[OfferedAction]:
    offered = []
    for registered in REGISTERED.values():
        for action in registered.actions:
            if href := action.href(query, user):
                offered.append(OfferedAction(action.key, action.label, action.title, href))
    return offered


def matching(user: Any, query: ContactQuery) -> QuerySet[Contact]:
    """The contacts the person may see that match `query`; raises FilterProblem."""
    return query.contacts(user, access.visible_contacts(user))
