"""Which connected account hosts a meeting, and for whom.

`choose_account` reads the action's credentials policy (the contact owner's account, the
organization's, or a named user's), then its fallback; a person may use another member's
account only with "Use other users' accounts" (`may_use_connection`). Each test sets up
the accounts a team would have connected and checks what the person scheduling would
see: which account the meeting is made with and who hosts it, or the message that says
what to connect.
"""

from __future__ import annotations

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import CredentialsPolicy, MeetingAction
from convener.scheduling.accounts import AccountChoice, NoUsableConnection, choose_account
from convener.team.access import USE_OTHERS_CONNECTIONS, may_use_connection
from convener.team.models import User
from tests.access.support import colleague, grant

pytestmark = pytest.mark.django_db

OWNER = CredentialsPolicy.CONTACT_OWNER
ORGANIZATION = CredentialsPolicy.ORGANIZATION
NAMED = CredentialsPolicy.NAMED_USER


# -- the accounts a team connects, and the actions that use them --------------------------


def account_of(user: User, provider: str = "zoom", **fields: str) -> Connection:
    """`user`'s own connected account at `provider`."""
    return Connection.objects.create(
        provider=provider,
        level=Connection.Level.USER,
        user=user,
        account_email=f"{user.username}-{provider}@example.com",
        **fields,
    )


def organization_account(provider: str = "zoom") -> Connection:
    return Connection.objects.create(
        provider=provider,
        level=Connection.Level.ORGANIZATION,
        account_email=f"meetings-{provider}@example.com",
    )


def action(
    credentials: str,
    fallback: str = "",
    *,
    provider: str = "zoom",
    named_user: User | None = None,
) -> MeetingAction:
    return MeetingAction.objects.create(
        name="Intro call",
        provider=provider,
        credentials=credentials,
        fallback=fallback,
        named_user=named_user,
    )


def contact_of(owner: User | None, email: str = "dana@client.example") -> Contact:
    return Contact.objects.create(email=email, first_name="Dana", owner=owner)


def refusal(meeting_action: MeetingAction, contact: Contact, requested_by: User | None) -> str:
    """The message the person is shown when no account can host the meeting."""
    with pytest.raises(NoUsableConnection) as refused:
        choose_account(meeting_action, contact, requested_by)
    return str(refused.value)


# -- contact owner's account -------------------------------------------------------------


def test_a_contact_owner_policy_hosts_on_the_owners_own_account(
    member: User, contact: Contact
) -> None:
    mine = account_of(member)
    organization_account()
    account_of(colleague("mike"))

    choice = choose_account(action(OWNER, ORGANIZATION), contact, member)

    assert choice == AccountChoice(mine, member)


def test_a_contact_without_an_owner_is_hosted_on_the_fallback_account(member: User) -> None:
    account_of(member)
    shared = organization_account()

    choice = choose_account(action(OWNER, ORGANIZATION), contact_of(None), member)

    # Nobody owns the contact: the organization's account makes it for whoever asked.
    assert choice == AccountChoice(shared, member)


def test_an_automated_trigger_for_a_contact_without_an_owner_names_no_host() -> None:
    shared = organization_account()

    choice = choose_account(action(OWNER, ORGANIZATION), contact_of(None), None)

    assert choice == AccountChoice(shared, None)


# -- the organization's account ----------------------------------------------------------


def test_an_organization_policy_hosts_on_the_organization_account_for_the_contact_owner(
    member: User, contact: Contact
) -> None:
    account_of(member)
    shared = organization_account()

    choice = choose_account(action(ORGANIZATION), contact, member)

    assert choice.connection == shared
    assert choice.host == member


# -- a named user's account --------------------------------------------------------------


def test_a_named_user_policy_hosts_on_that_users_account(member: User, contact: Contact) -> None:
    mike = colleague("mike")
    mikes = account_of(mike)
    account_of(member)  # the contact's owner has an account too: it is not the one named

    choice = choose_account(action(NAMED, OWNER, named_user=mike), contact, None)

    assert choice == AccountChoice(mikes, mike)


def test_a_named_user_without_an_account_falls_back_to_the_fallback_policy(
    member: User, contact: Contact
) -> None:
    mike = colleague("mike")
    shared = organization_account()

    choice = choose_account(action(NAMED, ORGANIZATION, named_user=mike), contact, None)

    assert choice == AccountChoice(shared, member)


def test_a_named_user_who_left_the_team_falls_back_to_the_fallback_policy(
    member: User, contact: Contact
) -> None:
    mike = colleague("mike")
    account_of(mike)
    intro = action(NAMED, OWNER, named_user=mike)
    mine = account_of(member)
    mike.delete()
    intro.refresh_from_db()

    choice = choose_account(intro, contact, None)

    assert choice == AccountChoice(mine, member)


def test_a_named_user_without_an_account_and_no_fallback_says_which_account_to_connect(
    member: User, contact: Contact
) -> None:
    mike = colleague("mike")
    organization_account()
    account_of(member)

    message = refusal(action(NAMED, named_user=mike), contact, None)

    assert message == (
        f"no Zoom account can host this meeting: connect {mike.display_name}'s account"
    )


def test_the_message_for_a_named_user_without_an_account_reads_as_a_sentence(
    member: User, contact: Contact
) -> None:
    message = refusal(action(NAMED, named_user=colleague("mike")), contact, None)

    assert "the a " not in message


# -- the fallback ------------------------------------------------------------------------


def test_the_fallback_hosts_when_the_first_choice_has_no_usable_account(
    member: User, contact: Contact
) -> None:
    shared = organization_account()

    choice = choose_account(action(OWNER, ORGANIZATION), contact, member)

    assert choice == AccountChoice(shared, member)


def test_the_first_choice_hosts_when_it_is_usable_although_the_fallback_is_too(
    member: User, contact: Contact
) -> None:
    shared = organization_account()
    mine = account_of(member)

    assert choose_account(action(ORGANIZATION, OWNER), contact, member).connection == shared
    assert choose_account(action(OWNER, ORGANIZATION), contact, member).connection == mine


def test_without_any_usable_account_the_message_names_the_provider_and_both_accounts(
    member: User, contact: Contact
) -> None:
    assert refusal(action(OWNER, ORGANIZATION), contact, member) == (
        f"no Zoom account can host this meeting: connect {member.display_name}'s account "
        "(the contact owner) or the organization account"
    )


def test_without_a_fallback_the_message_names_only_the_first_choice(
    member: User, contact: Contact
) -> None:
    account_of(member)  # a user account does not make an organization one

    assert refusal(action(ORGANIZATION), contact, member) == (
        "no Zoom account can host this meeting: connect the organization account"
    )


# -- accounts that cannot be used --------------------------------------------------------


def test_a_disabled_account_is_not_chosen(member: User, contact: Contact) -> None:
    account_of(member, status=Connection.Status.DISABLED)
    shared = organization_account()

    assert choose_account(action(OWNER, ORGANIZATION), contact, member).connection == shared
    assert refusal(action(OWNER), contact, member) == (
        f"no Zoom account can host this meeting: connect {member.display_name}'s account "
        "(the contact owner)"
    )


def test_an_account_that_needs_reconnecting_still_hosts_and_the_meeting_waits(
    member: User, contact: Contact
) -> None:
    """A form or a campaign cannot ask again: its meeting is kept and waits."""
    broken = account_of(member, status=Connection.Status.NEEDS_RECONNECT)

    choice = choose_account(action(OWNER), contact, member)
    assert (choice.connection, choice.waiting, choice.note) == (broken, True, "")


def test_the_fallback_hosts_instead_of_an_account_that_needs_reconnecting_and_says_so(
    member: User, contact: Contact
) -> None:
    account_of(member, status=Connection.Status.NEEDS_RECONNECT)
    shared = organization_account()

    choice = choose_account(action(OWNER, ORGANIZATION), contact, member)
    assert (choice.connection, choice.waiting) == (shared, False)
    assert choice.note.endswith(
        f"{member.display_name}'s account (the contact owner) needs reconnecting"
    )


def test_an_organization_account_that_needs_reconnecting_still_hosts(
    member: User, contact: Contact
) -> None:
    broken = Connection.objects.create(
        provider="zoom",
        level=Connection.Level.ORGANIZATION,
        status=Connection.Status.NEEDS_RECONNECT,
    )

    choice = choose_account(action(ORGANIZATION), contact, member)
    assert (choice.connection, choice.waiting) == (broken, True)


def test_an_account_at_another_provider_does_not_host(member: User, contact: Contact) -> None:
    account_of(member, provider="google_meet")
    organization_account(provider="microsoft_teams")

    assert refusal(action(OWNER, ORGANIZATION), contact, member) == (
        f"no Zoom account can host this meeting: connect {member.display_name}'s account "
        "(the contact owner) or the organization account"
    )


# -- "Use other users' accounts" ---------------------------------------------------------


def test_a_member_with_the_permission_schedules_on_the_colleague_owners_account(
    member: User,
) -> None:
    grant(member, USE_OTHERS_CONNECTIONS)
    mike = colleague("mike")
    mikes = account_of(mike)

    choice = choose_account(action(OWNER, ORGANIZATION), contact_of(mike), member)

    assert choice == AccountChoice(mikes, mike)


def test_a_member_without_the_permission_gets_the_fallback_not_the_colleague_owners_account(
    member: User,
) -> None:
    mike = colleague("mike")
    account_of(mike)
    shared = organization_account()

    choice = choose_account(action(OWNER, ORGANIZATION), contact_of(mike), member)

    assert choice == AccountChoice(shared, mike)


def test_a_member_without_the_permission_and_no_fallback_cannot_schedule_on_a_colleagues_account(
    member: User,
) -> None:
    mike = colleague("mike")
    account_of(mike)

    with pytest.raises(NoUsableConnection):
        choose_account(action(OWNER), contact_of(mike), member)


def test_a_member_refused_a_colleagues_account_is_told_which_permission_is_missing(
    member: User,
) -> None:
    mike = colleague("mike")
    account_of(mike)

    message = refusal(action(OWNER), contact_of(mike), member)

    assert "other users' accounts" in message


def test_a_member_without_the_permission_cannot_use_a_named_colleagues_account(
    member: User, contact: Contact
) -> None:
    mike = colleague("mike")
    account_of(mike)
    mine = account_of(member)

    choice = choose_account(action(NAMED, OWNER, named_user=mike), contact, member)

    assert choice == AccountChoice(mine, member)


def test_a_member_with_the_permission_may_use_a_named_colleagues_account(
    member: User, contact: Contact
) -> None:
    grant(member, USE_OTHERS_CONNECTIONS)
    mike = colleague("mike")
    mikes = account_of(mike)
    account_of(member)

    choice = choose_account(action(NAMED, OWNER, named_user=mike), contact, member)

    assert choice == AccountChoice(mikes, mike)


def test_an_automated_trigger_may_use_any_members_account(member: User) -> None:
    mike = colleague("mike")
    mikes = account_of(mike)
    organization_account()

    choice = choose_account(action(OWNER, ORGANIZATION), contact_of(mike), None)

    assert choice == AccountChoice(mikes, mike)
    assert may_use_connection(None, mikes)


def test_an_administrator_may_use_any_members_account(member: User) -> None:
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    mine = account_of(member)
    organization_account()

    choice = choose_account(action(OWNER, ORGANIZATION), contact_of(member), admin)

    assert choice == AccountChoice(mine, member)
    assert may_use_connection(admin, mine)


def test_a_member_may_use_their_own_account_and_the_organizations_without_the_permission(
    member: User,
) -> None:
    assert not member.has_perm(USE_OTHERS_CONNECTIONS)

    assert may_use_connection(member, account_of(member))
    assert may_use_connection(member, organization_account())


def test_a_member_may_use_a_colleagues_account_only_with_the_permission(member: User) -> None:
    mikes = account_of(colleague("mike"))

    assert not may_use_connection(member, mikes)
    grant(member, USE_OTHERS_CONNECTIONS)
    assert may_use_connection(User.objects.get(pk=member.pk), mikes)


def test_a_deactivated_member_may_not_use_a_colleagues_account_despite_the_permission(
    member: User,
) -> None:
    grant(member, USE_OTHERS_CONNECTIONS)
    member.is_active = False
    member.save()
    mikes = account_of(colleague("mike"))

    assert not may_use_connection(User.objects.get(pk=member.pk), mikes)


# -- providers that need no account ------------------------------------------------------


def test_a_jitsi_meeting_needs_no_account_and_is_hosted_by_the_contact_owner(
    member: User, contact: Contact
) -> None:
    account_of(member, provider="zoom")
    mike = colleague("mike")

    for policy in (OWNER, ORGANIZATION):
        choice = choose_account(action(policy, provider="jitsi"), contact, mike)
        assert choice == AccountChoice(None, member)


def test_a_jitsi_meeting_for_a_contact_without_an_owner_is_hosted_by_the_requesting_member(
    member: User,
) -> None:
    choice = choose_account(action(OWNER, provider="jitsi"), contact_of(None), member)

    assert choice == AccountChoice(None, member)
