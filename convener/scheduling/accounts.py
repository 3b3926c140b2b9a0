"""Which connected account hosts a meeting: the action's credentials policy, then its fallback."""

from __future__ import annotations

from collections.abc import Sequence
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
    # Why this account rather than the one the policy names first ("" when it is that one).
    note: str = ""

    @property
    def waiting(self) -> bool:
        """The account needs reconnecting: the meeting is saved and waits for it."""
        return self.connection is not None and not usable_now(self.connection)


def usable_connections(provider: str) -> list[Connection]:
    """The provider's connections that can host, oldest first: the order every choice
    reads them in, so the popup's check and the scheduling that follows pick the same
    account. One that needs reconnecting still hosts: what it is asked for during the
    outage waits for the reconnect (a form or a campaign cannot ask again). Only a
    removed or disabled one does not."""
    return list(
        Connection.objects.filter(
            provider=provider,
            status__in=[Connection.Status.ACTIVE, Connection.Status.NEEDS_RECONNECT],
        ).order_by("created_at", "pk")
    )


def usable_now(connection: Connection) -> bool:
    return connection.status == Connection.Status.ACTIVE


@dataclass
class _Search:
    action: MeetingAction
    contact: Contact
    requested_by: User | None
    pool: Sequence[Connection]
    refused_owner: User | None = None  # whose account exists but may not be used

    def user_connection(self, user: User | None) -> AccountChoice | None:
        if user is None:
            return None
        for connection in self.pool:
            if connection.level == Connection.Level.USER and connection.user_id == user.pk:
                if may_use_connection(self.requested_by, connection):
                    return AccountChoice(connection, user)
                self.refused_owner = self.refused_owner or user
        return None

    def by_policy(self, policy: str) -> AccountChoice | None:
        if policy == CredentialsPolicy.CONTACT_OWNER:
            return self.user_connection(self.contact.owner)
        if policy == CredentialsPolicy.NAMED_USER:
            return self.user_connection(self.action.named_user)
        # An organization account that works before one that waits for a reconnect.
        for connection in sorted(self.pool, key=lambda c: not usable_now(c)):
            if connection.level == Connection.Level.ORGANIZATION:
                # The host the organization's account makes the meeting for: the owner,
                # or, for a contact nobody owns, the person who asked.
                return AccountChoice(connection, self.contact.owner or self.requested_by)
        return None

    def wanted(self, policy: str) -> str:
        """The account a policy asks for, as a person would name it."""
        if policy == CredentialsPolicy.CONTACT_OWNER:
            owner = self.contact.owner
            return (
                f"{owner.display_name}'s account (the contact owner)"
                if owner
                else ("the contact owner's account (this contact has no owner)")
            )
        if policy == CredentialsPolicy.NAMED_USER:
            named = self.action.named_user
            return f"{named.display_name}'s account" if named else "the named user's account"
        return "the organization account"


def choose_account(
    action: MeetingAction,
    contact: Contact,
    requested_by: User | None,
    *,
    connections: Sequence[Connection] | None = None,
) -> AccountChoice:
    """The account that hosts `action`'s meeting with `contact`. `connections`: the
    provider's usable connections when the caller has read them already (a bulk run)."""
    cls = provider_class(action.provider)
    if not cls.capabilities.needs_connection:
        named = action.named_user if action.credentials == CredentialsPolicy.NAMED_USER else None
        return AccountChoice(None, named or contact.owner or requested_by)
    pool = usable_connections(action.provider) if connections is None else connections
    search = _Search(action, contact, requested_by, pool)
    policies = [p for p in (action.credentials, action.fallback) if p]
    found = [(p, c) for p in policies if (c := search.by_policy(p)) is not None]
    if found:
        return _prefer_working(found, search, cls.name)
    wanted = " or ".join(search.wanted(p) for p in dict.fromkeys(policies))
    message = f"no {cls.name} account can host this meeting: connect {wanted}"
    if search.refused_owner is not None:
        message += (
            f"; {search.refused_owner.display_name}'s {cls.name} account is connected, but "
            "using it needs the permission “Use other users' accounts” (ask an administrator)"
        )
    raise NoUsableConnection(message)


def _prefer_working(
    found: list[tuple[str, AccountChoice]], search: _Search, provider_name: str
) -> AccountChoice:
    """The policy's account; when it needs reconnecting and the fallback's works, the
    fallback's, saying why. With none working, the policy's: the meeting waits for it."""
    policy, first = found[0]
    if not first.waiting:
        return first
    working = next((c for _, c in found[1:] if not c.waiting), None)
    if working is None or working.connection is None:
        return first
    assert first.connection is not None
    who = working.connection.account_email or working.connection.account_name
    note = f"Hosted by {provider_name} account {who}: {search.wanted(policy)} needs reconnecting"
    return AccountChoice(working.connection, working.host, note[:300])
