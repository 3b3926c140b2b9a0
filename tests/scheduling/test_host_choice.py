"""Which account hosts a one-off meeting, as the person chooses it: "My account", "The
organization's account" or "The contact owner's account".

The choices offered (`host_options`), the one selected first (`default_host`), and what
scheduling makes of a choice (`schedule_one_off`): the meeting's account and host, or an
error on `host` that says why, with nothing saved.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.hosting import HostChoice, default_host, host_options
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.access import USE_OTHERS_CONNECTIONS
from convener.team.models import User
from tests.access.support import colleague, grant
from tests.scheduling.test_account_choice import account_of, contact_of, organization_account

pytestmark = pytest.mark.django_db

ME, ORGANIZATION, OWNER = HostChoice.ME, HostChoice.ORGANIZATION, HostChoice.OWNER


@pytest.fixture(autouse=True)
def _member_schedules_for_anyone(member: User) -> None:
    """A contact nobody owns counts as another member's: scheduling for it needs *edit
    other members' contacts*, which these members hold."""
    grant(member, "team.edit_others_contacts")


def schedule_with(person: User, contact: Contact, host: str | None) -> Meeting:
    outcome = schedule_one_off(
        [contact],
        OneOffMeeting(title="Intro", timezone="Europe/Paris", provider="zoom", host=host),
        requested_by=person,
        trigger=TriggerRef(TriggerKind.CONTACT, str(contact.pk)),
    )
    return Meeting.objects.get(pk=outcome.created_ids[0])


def refused(person: User, contact: Contact, host: str | None) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        schedule_with(person, contact, host)
    assert not Meeting.objects.exists()  # nothing saved
    return caught.value.message_dict


def offered(person: User, contact: Contact) -> dict[str, str]:
    """Each choice shown, with why it cannot host ("" when it can)."""
    return {o.choice.value: o.reason for o in host_options(person, contact, "zoom")}


# -- a contact nobody owns -----------------------------------------------------------------


def test_a_contact_without_an_owner_is_scheduled_on_my_zoom(member: User) -> None:
    mine = account_of(member)

    meeting = schedule_with(member, contact_of(None), ME)

    assert (meeting.connection, meeting.host) == (mine, member)


def test_without_a_choice_a_contact_without_an_owner_goes_to_my_account(member: User) -> None:
    # Before, the owner's account then the organization's: refused although I had Zoom.
    mine = account_of(member)

    meeting = schedule_with(member, contact_of(None), None)

    assert (meeting.connection, meeting.host) == (mine, member)


def test_a_contact_without_an_owner_on_the_organizations_account_is_hosted_by_me(
    member: User,
) -> None:
    shared = organization_account()

    meeting = schedule_with(member, contact_of(None), ORGANIZATION)

    assert (meeting.connection, meeting.host) == (shared, member)


# -- the default ---------------------------------------------------------------------------


def test_the_default_is_the_owners_account_when_it_can_host(member: User) -> None:
    owner = colleague("mike")
    account_of(owner)
    account_of(member)
    organization_account()
    member_may_use_others = colleague("olga", USE_OTHERS_CONNECTIONS)

    options = host_options(member_may_use_others, contact_of(owner), "zoom")

    assert default_host(options) == OWNER


def test_the_default_is_mine_when_the_owner_has_no_account(member: User) -> None:
    account_of(member)
    organization_account()

    options = host_options(member, contact_of(colleague("mike")), "zoom")

    assert default_host(options) == ME


def test_the_default_is_the_organizations_when_i_have_no_account(member: User) -> None:
    organization_account()

    options = host_options(member, contact_of(None), "zoom")

    assert default_host(options) == ORGANIZATION
    assert offered(member, contact_of(None, "x@client.example")) == {
        "me": "You have not connected a Zoom account.",
        "organization": "",
        "owner": "This contact has no owner.",
    }


def test_there_is_no_default_when_no_account_can_host(member: User) -> None:
    assert default_host(host_options(member, contact_of(None), "zoom")) is None


# -- choices the person may not use --------------------------------------------------------


def test_another_members_account_is_not_offered_without_the_permission(member: User) -> None:
    owner = colleague("mike")
    account_of(owner)

    assert "owner" not in offered(member, contact_of(owner))
    assert offered(colleague("olga", USE_OTHERS_CONNECTIONS), contact_of(owner, "y@c.example"))[
        "owner"
    ] == ("")


def test_choosing_another_members_account_without_the_permission_is_refused(
    member: User,
) -> None:
    owner = colleague("mike")
    account_of(owner)
    contact = contact_of(owner)

    errors = refused(member, contact, OWNER)

    assert "“Use other users' accounts”" in errors["host"][0]
    assert "Mike" in errors["host"][0] or "mike" in errors["host"][0]


def test_a_chosen_account_that_cannot_host_is_not_swapped_for_another(member: User) -> None:
    organization_account()  # could host, but was not chosen

    errors = refused(member, contact_of(None), ME)

    assert errors == {"host": ["no Zoom account can host this meeting: connect Ann Lee's account"]}


def test_an_unknown_choice_names_the_field(member: User) -> None:
    account_of(member)

    errors = refused(member, contact_of(None), "boss")

    assert errors["host"] == ["unknown host 'boss'; one of me, organization, owner"]
