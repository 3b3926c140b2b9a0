"""Which connected account hosts a meeting: the action's credentials policy, then its fallback."""

from __future__ import annotations

from dataclasses import dataclass

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import CredentialsPolicy, MeetingAction
from convener.providers.registry import provider_class
from convener.team.access import may_use_connection
from convener.team.models import User


class NoUsableConnection(Exception):
    """No connection can serve the action; the message says what to connect."""


@dataclass(frozen=True)
class AccountChoice:
    connection: Connection | None
    host: User | None  # the team member the meeting is for (ORGANIZER, S2S/app-only subject)


def _active(provider: str) -> list[Connection]:
    return list(
        Connection.objects.filter(provider=provider, status=Connection.Status.ACTIVE).order_by(
            "created_at"
        )
    )


def _user_connection(
    user: User | None, connections: list[Connection], requested_by: User | None
) -> AccountChoice | None:
    if user is None:
        return None
    for connection in connections:
        if (
            connection.level == Connection.Level.USER
            and connection.user_id == user.pk
            and may_use_connection(requested_by, connection)
        ):
            return AccountChoice(connection, user)
    return None


def _by_policy(
    policy: str,
    action: MeetingAction,
    contact: Contact,
    connections: list[Connection],
    requested_by: User | None,
) -> AccountChoice | None:
    if policy == CredentialsPolicy.CONTACT_OWNER:
        return _user_connection(contact.owner, connections, requested_by)
    if policy == CredentialsPolicy.NAMED_USER:
        return _user_connection(action.named_user, connections, requested_by)
    for connection in connections:
        if connection.level == Connection.Level.ORGANIZATION:
            return AccountChoice(connection, contact.owner)
    return None


def choose_account(
    action: MeetingAction,
    contact: Contact,
    requested_by: User | None,
    *,
    connections: list[Connection] | None = None,
) -> AccountChoice:
    cls = provider_class(action.provider)
    if not cls.capabilities.needs_connection:
        return AccountChoice(None, contact.owner or requested_by)
    pool = connections if connections is not None else _active(action.provider)
    for policy in [action.credentials, action.fallback]:
        if policy:
            choice = _by_policy(policy, action, contact, pool, requested_by)
            if choice is not None:
                return choice
    wanted = CredentialsPolicy(action.credentials).label.lower()
    raise NoUsableConnection(
        f"no {cls.name} account can host this meeting: connect the {wanted}"
        + (f" or the {CredentialsPolicy(action.fallback).label.lower()}" if action.fallback else "")
    )
