"""Which account hosts a one-off meeting, as the popup and `POST /meetings` ask it: "My
account", "The organization's account" or "The contact owner's account".

The choice is not a mechanism of its own: it is written into the unsaved action's
credentials policy (`apply_host`), and `choose_account` reads it as it reads any saved
action's. Asked without a choice, the policy is the contact owner's account, then the
person's own when they have one connected, else the organization's: the same order the
popup uses for the choice it selects first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import CredentialsPolicy, MeetingAction
from convener.providers.registry import provider_class
from convener.scheduling.accounts import usable_connections
from convener.team.access import may_use_connection
from convener.team.models import User


class HostChoice(models.TextChoices):
    ME = "me", "My account"
    ORGANIZATION = "organization", "The organization's account"
    OWNER = "owner", "The contact owner's account"


# The order a person reads them in, and the order the default is picked in.
SHOWN = (HostChoice.ME, HostChoice.ORGANIZATION, HostChoice.OWNER)
PREFERRED = (HostChoice.OWNER, HostChoice.ME, HostChoice.ORGANIZATION)


@dataclass(frozen=True)
class HostOption:
    """One choice as the popup shows it: `reason` says why it cannot host ("" when it
    can); `account` names the account that would."""

    choice: HostChoice
    reason: str = ""
    account: str = ""
    # Whether connecting an account would let it host (not so for a contact without owner).
    on_connections: bool = True

    @property
    def label(self) -> str:
        return str(self.choice.label)

    @property
    def usable(self) -> bool:
        return not self.reason


def _own_connection(pool: Sequence[Connection], user: User | None) -> Connection | None:
    if user is None:
        return None
    return next(
        (c for c in pool if c.level == Connection.Level.USER and c.user_id == user.pk), None
    )


def _account(connection: Connection) -> str:
    name = connection.account_email or connection.account_name or "connected"
    if connection.status != Connection.Status.ACTIVE:
        # It still hosts: the meeting is saved and made after the reconnect.
        return f"{name}, needs reconnecting: the meeting waits for it"
    return name


def _may_use_account_of(person: User | None, member: User) -> bool:
    """Whether `person` may make meetings with `member`'s account, asked before one is
    connected: the same check as for a connected one."""
    return may_use_connection(person, Connection(level=Connection.Level.USER, user_id=member.pk))


def host_options(
    person: User | None,
    contact: Contact,
    provider: str,
    *,
    pool: Sequence[Connection] | None = None,
) -> list[HostOption]:
    """The choices `person` may use for a meeting with `contact` on `provider`, each with
    whether it can host now. The contact owner's account is left out when it is another
    member's and the person may not use other members' accounts."""
    name = provider_class(provider).name
    pool = usable_connections(provider) if pool is None else pool
    options: list[HostOption] = []
    for choice in SHOWN:
        if choice == HostChoice.ME:
            mine = _own_connection(pool, person)
            options.append(
                HostOption(choice, "", _account(mine))
                if mine
                else HostOption(choice, f"You have not connected a {name} account.")
            )
        elif choice == HostChoice.ORGANIZATION:
            org = next((c for c in pool if c.level == Connection.Level.ORGANIZATION), None)
            options.append(
                HostOption(choice, "", _account(org))
                if org
                else HostOption(choice, f"No organization {name} account is connected.")
            )
        else:
            owner = contact.owner
            if owner is None:
                options.append(
                    HostOption(choice, "This contact has no owner.", on_connections=False)
                )
                continue
            if not _may_use_account_of(person, owner):
                continue  # not theirs to use: not offered at all
            theirs = _own_connection(pool, owner)
            options.append(
                HostOption(choice, "", _account(theirs))
                if theirs
                else HostOption(
                    choice, f"{owner.display_name} (the owner) has not connected a {name} account."
                )
            )
    return options


def default_host(options: Sequence[HostOption]) -> HostChoice | None:
    """The choice selected first: the owner's if usable, else mine, else the
    organization's; None when none can host."""
    usable = {o.choice for o in options if o.usable}
    return next((choice for choice in PREFERRED if choice in usable), None)


def apply_host(
    action: MeetingAction,
    choice: str | None,
    person: User | None,
    *,
    pool: Sequence[Connection] | None = None,
) -> None:
    """Write `choice` into `action`'s credentials policy. A choice made is kept to (no
    fallback: the meeting is not silently made on another account); no choice is the
    default order, owner → mine → organization, which two policies express because
    "mine" either always serves or never does."""
    action.named_user = None
    action.fallback = ""
    if choice == HostChoice.ME:
        action.credentials = CredentialsPolicy.NAMED_USER
        action.named_user = person
    elif choice == HostChoice.ORGANIZATION:
        action.credentials = CredentialsPolicy.ORGANIZATION
    elif choice == HostChoice.OWNER:
        action.credentials = CredentialsPolicy.CONTACT_OWNER
    else:
        action.credentials = CredentialsPolicy.CONTACT_OWNER
        pool = usable_connections(action.provider) if pool is None else pool
        if _own_connection(pool, person) is not None:
            action.fallback = CredentialsPolicy.NAMED_USER
            action.named_user = person
        else:
            action.fallback = CredentialsPolicy.ORGANIZATION
