"""Who may see and change what: the one permission check for contacts, meetings, their
invitations, connected accounts and runs (launches on many contacts). Every page, API
operation and trigger asks here.

The model is a marketing suite's: for contacts and for meetings, *view own*, *view
others*, *edit own* and *edit others*. Own is a contact the person owns (Contact.owner)
or a meeting they host (Meeting.host); a contact without an owner, or a meeting without
a host, is nobody's own. Editing includes viewing. A change of a meeting that runs on
another member's connected account (reschedule, cancel, a link by hand, retry) also
needs *use other users' accounts*, since the change is made at the provider with that
account. Administrators (superusers) may do everything. docs/permissions.md is the
same model for the people who grant it.

What a person may not view does not exist for them: it is missing from every list and
answers 404. What they may view but not change answers 403, naming the permission
that is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Delivery, Meeting, Run
from convener.team.models import Access

M = TypeVar("M", bound=Model)
VIEW = ("view", "edit")  # editing includes viewing

USE_OTHERS_CONNECTIONS = "connections.use_others_connections"


class NotVisible(Http404):
    """The object does not exist, as far as this person may know (404)."""


class NotAllowed(PermissionDenied):
    """The person may see the object but not do this (403). The message says which
    permission is missing; `field` names the input that asked for it, if one did."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Scope:
    """The four permissions of one kind of object, and the field that says whose it is."""

    noun: str  # plural, as in the permission names: "contacts"
    owner_field: str  # "owner": the contact is its owner's own

    def perm(self, which: str) -> str:
        """`which` is view_own, view_others, edit_own or edit_others."""
        return f"team.{which}_{self.noun}"


CONTACTS = Scope("contacts", "owner")
MEETINGS = Scope("meetings", "host")

# What a new member may do (the "Members" group): see everything, change their own.
MEMBERS_GROUP = "Members"
MEMBER_DEFAULTS = [
    scope.perm(which)
    for scope in (CONTACTS, MEETINGS)
    for which in ("view_own", "view_others", "edit_own")
]


def permission_names() -> dict[str, str]:
    """Every permission of the model, "app.codename" -> what it lets a person do."""
    names = {f"team.{code}": name for code, name in Access._meta.permissions}
    for code, name in Connection._meta.permissions:
        names[f"connections.{code}"] = name
    return names


def _label(perm: str) -> str:
    return f"“{permission_names()[perm]}”"


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


def has(user: Any, perm: str) -> bool:
    """`user` may be None (an automated trigger has no person) or anonymous."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(perm))


def _mine(user: Any, owner_id: int | None) -> bool:
    return owner_id is not None and owner_id == getattr(user, "pk", None)


def _sees(user: Any, scope: Scope, owner_id: int | None) -> bool:
    which = "own" if _mine(user, owner_id) else "others"
    return any(has(user, scope.perm(f"{verb}_{which}")) for verb in VIEW)


def _rows(user: Any, scope: Scope, verbs: tuple[str, ...], path: str = "") -> Q | None:
    """The rows of `scope` the person holds one of `verbs` ("view", "edit") for: Q() for
    all of them, None for none. `path` leads from the queried model to the scope's
    object ("meeting__")."""
    if is_admin(user):
        return Q()
    own = any(has(user, scope.perm(f"{verb}_own")) for verb in verbs)
    others = any(has(user, scope.perm(f"{verb}_others")) for verb in verbs)
    field = f"{path}{scope.owner_field}"
    if own and others:
        return Q()
    if own:
        return Q(**{field: user.pk})
    if others:
        return ~Q(**{field: user.pk}) | Q(**{f"{field}__isnull": True})
    return None


def _connection_filter(user: Any) -> Q | None:
    if is_admin(user):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return None
    return Q(level=Connection.Level.ORGANIZATION) | Q(user=user.pk)


def _sees_all_runs(user: Any) -> bool:
    """A run shows its meetings' hosts and contacts: whoever may see other members'
    meetings may see every run; everyone else the runs they launched."""
    return is_admin(user) or any(has(user, MEETINGS.perm(f"{verb}_others")) for verb in VIEW)


def _run_filter(user: Any) -> Q | None:
    if _sees_all_runs(user):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return None
    return Q(requested_by=user.pk)


def visible(user: Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """`queryset` narrowed to the rows the person may view."""
    model = queryset.model
    condition: Q | None
    if issubclass(model, Contact):
        condition = _rows(user, CONTACTS, VIEW)
    elif issubclass(model, Meeting):
        condition = _rows(user, MEETINGS, VIEW)
    elif issubclass(model, Delivery):
        condition = _rows(user, MEETINGS, VIEW, path="meeting__")
    elif issubclass(model, Connection):
        condition = _connection_filter(user)
    elif issubclass(model, Run):
        condition = _run_filter(user)
    else:
        raise TypeError(f"no permission rule for {model.__name__}")
    return queryset.none() if condition is None else queryset.filter(condition)


def visible_contacts(user: Any) -> QuerySet[Contact]:
    return visible(user, Contact.objects.select_related("owner"))


def visible_deliveries(user: Any) -> QuerySet[Delivery]:
    return visible(user, Delivery.objects.select_related("meeting"))


def visible_connections(user: Any) -> QuerySet[Connection]:
    """The connections whose account details the person may see: an administrator all,
    everyone else the organization's and their own."""
    return visible(user, Connection.objects.select_related("user"))


def visible_runs(user: Any) -> QuerySet[Run]:
    """The launches the person may follow: their own, or all of them with the permission
    to see meetings other members host."""
    return visible(user, Run.objects.select_related("action", "requested_by"))


def changeable_meetings(user: Any, queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """`queryset` narrowed to the meetings the person may change: the *edit* permissions,
    and, for a meeting on another member's connected account, *use other users'
    accounts*. The same rule as `refusal`, in SQL, to count and act on many at once."""
    condition = _rows(user, MEETINGS, ("edit",))
    if condition is None:
        return queryset.none()
    if not is_admin(user) and not has(user, USE_OTHERS_CONNECTIONS):
        condition &= (
            Q(connection__isnull=True)
            | Q(connection__level=Connection.Level.ORGANIZATION)
            | Q(connection__user=user.pk)
        )
    return queryset.filter(condition)


def editable_contacts(user: Any) -> QuerySet[Contact]:
    """The contacts the person may change, and so schedule meetings for."""
    condition = _rows(user, CONTACTS, ("edit",))
    return Contact.objects.none() if condition is None else Contact.objects.filter(condition)


def can_view(user: Any, obj: Model | None) -> bool:
    if obj is None:
        return False
    if is_admin(user):
        return True
    if isinstance(obj, Contact):
        return _sees(user, CONTACTS, obj.owner_id)
    if isinstance(obj, Meeting):
        return _sees(user, MEETINGS, obj.host_id)
    if isinstance(obj, Delivery):
        return can_view(user, obj.meeting)
    if isinstance(obj, Connection):
        return getattr(user, "is_authenticated", False) and (
            obj.level == Connection.Level.ORGANIZATION or obj.user_id == user.pk
        )
    if isinstance(obj, Run):
        return _sees_all_runs(user) or _mine(user, obj.requested_by_id)
    raise TypeError(f"no permission rule for {type(obj).__name__}")


def _scope_refusal(user: Any, scope: Scope, owner_id: int | None, what: str) -> str:
    mine = _mine(user, owner_id)
    perm = scope.perm("edit_own" if mine else "edit_others")
    if has(user, perm):
        return ""
    whose = "your own" if mine else "another member's"
    return f"Changing {whose} {what} needs the permission {_label(perm)}."


def may_use_connection(user: Any, connection: Connection) -> bool:
    """A person may make meetings with their own account and the organization's; with
    another member's only with *use other users' accounts*. Automated triggers (no
    person) use what their action names."""
    if user is None or connection.level == Connection.Level.ORGANIZATION:
        return True
    if connection.user_id == getattr(user, "pk", None):
        return True
    return has(user, USE_OTHERS_CONNECTIONS)


def _connection_of(meeting: Meeting) -> Connection | None:
    if meeting.connection_id is None:
        return None
    try:
        return meeting.connection
    except Connection.DoesNotExist:  # removed since the meeting was read
        return None


def refusal(user: Any, obj: Model) -> str:
    """Why the person may not change `obj`, in words for them; "" when they may."""
    if is_admin(user):
        return ""
    if isinstance(obj, Contact):
        return _scope_refusal(user, CONTACTS, obj.owner_id, "contacts")
    if isinstance(obj, Meeting):
        reason = _scope_refusal(user, MEETINGS, obj.host_id, "meetings")
        connection = _connection_of(obj)
        if not reason and connection is not None and not may_use_connection(user, connection):
            reason = (
                "This meeting runs on another member's connected account: changing it needs "
                f"the permission {_label(USE_OTHERS_CONNECTIONS)}."
            )
        return reason
    if isinstance(obj, Connection):
        if obj.level == Connection.Level.ORGANIZATION:
            return "Only administrators change organization accounts."
        if obj.user_id != getattr(user, "pk", None):
            return "You may change only your own connected accounts."
        return ""
    raise TypeError(f"no permission rule for {type(obj).__name__}")


def schedule_refusal(user: Any, contact: Contact) -> str:
    """Why the person may not schedule a meeting for `contact` ("" when they may):
    scheduling changes the contact's record of meetings, so it needs *edit*."""
    if not can_view(user, contact):
        return "there is no such contact"
    return refusal(user, contact)


class ScheduleRefusals:
    """`schedule_refusal` for many contacts asked by one person. The answer depends only on
    whether a contact is the person's own, so each of the two answers is worked out once,
    by `schedule_refusal` itself: a launch on ten thousand contacts asks the permission
    backend twice, not fifty thousand times."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._answers: dict[bool, str] = {}

    def __call__(self, contact: Contact) -> str:
        if self.user is None:
            return ""  # an automated trigger: its action says what it may do
        mine = _mine(self.user, contact.owner_id)
        answer = self._answers.get(mine)
        if answer is None:
            answer = self._answers[mine] = schedule_refusal(self.user, contact)
        return answer


def can_edit(user: Any, obj: Model | None) -> bool:
    return obj is not None and can_view(user, obj) and not refusal(user, obj)


def require_view(user: Any, obj: Model | None) -> None:
    if not can_view(user, obj):
        raise NotVisible("not found")


def require_edit(user: Any, obj: Model) -> None:
    """404 for what the person may not view, 403 for what they may view but not change."""
    require_view(user, obj)
    reason = refusal(user, obj)
    if reason:
        raise NotAllowed(reason)


def may_give_contacts(user: Any) -> bool:
    """Whether the person may make a contact another member's, or nobody's."""
    return is_admin(user) or has(user, CONTACTS.perm("edit_others"))


def may_add_contacts(user: Any) -> bool:
    """Whether the person may make contacts at all (their own, or others')."""
    return has(user, CONTACTS.perm("edit_own")) or may_give_contacts(user)


def require_may_add_contacts(user: Any) -> None:
    if not may_add_contacts(user):
        raise NotAllowed(
            f"Adding contacts needs the permission {_label(CONTACTS.perm('edit_own'))}."
        )


def require_edit_after(user: Any, contact: Contact) -> None:
    """A contact being created or changed must be one its author may change once saved:
    giving it to another member, or to nobody, needs *edit others*."""
    reason = refusal(user, contact)
    if not reason:
        return
    if not _mine(user, contact.owner_id):
        raise NotAllowed(
            "Giving a contact to another member, or to nobody, needs the permission "
            f"{_label(CONTACTS.perm('edit_others'))}.",
            field="owner",
        )
    raise NotAllowed(reason)


def require_admin(user: Any) -> None:
    if not is_admin(user):
        raise NotAllowed("Only administrators may do this.")


def find(user: Any, queryset: QuerySet[M], pk: Any, *, edit: bool = False) -> M:
    """The row `pk` of `queryset` if the person may view it (and change it, with `edit`),
    else NotVisible (404) or NotAllowed (403)."""
    try:
        obj = visible(user, queryset).filter(pk=pk).first()
    except (ValueError, TypeError):  # a pk of the wrong type is one that does not exist
        obj = None
    if obj is None:
        raise NotVisible("not found")
    if edit:
        require_edit(user, obj)
    return obj


def find_contact_ids(user: Any, ids: list[int], field: str = "contact_ids") -> list[int]:
    """`find_contacts` for a long list, reading ids only: the ids in order and once each,
    or the same ValidationError on `field` for those the person may not see."""
    wanted = list(dict.fromkeys(ids))
    seen: set[int] = set()
    rows = visible(user, Contact.objects.all())
    for start in range(0, len(wanted), 1000):
        seen.update(rows.filter(pk__in=wanted[start : start + 1000]).values_list("pk", flat=True))
    missing = [str(pk) for pk in wanted if pk not in seen]
    if missing:
        raise ValidationError({field: f"no contact with id {', '.join(missing[:10])}"})
    return wanted


def find_contacts(user: Any, ids: list[int], field: str = "contact_ids") -> list[Contact]:
    """The contacts `ids` names, in that order and once each, if the person may view them
    all; else a ValidationError on `field` naming (up to ten of) those that do not exist
    for them, the way `find` answers 404 for one."""
    wanted = list(dict.fromkeys(ids))
    found = visible_contacts(user).in_bulk(wanted)
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise ValidationError({field: f"no contact with id {', '.join(missing[:10])}"})
    return [found[pk] for pk in wanted]
