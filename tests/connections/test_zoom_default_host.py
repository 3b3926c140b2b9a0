"""A Zoom Server-to-Server account makes each meeting for a user of the Zoom account: the
meeting's host when they have a Zoom user there, else the connection's default host.

Everything runs against the fake Zoom over real HTTP: an administrator saves the
organization credentials and the default host on the Connections pages, a member
schedules through the popup's seam, and the worker's step makes the meeting at the fake.
"""

from __future__ import annotations

from typing import Any

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.hosting import HostChoice
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from fakeproviders.harness import FakeServer
from fakeproviders.zoom_model import ACCOUNT_ID, S2S_CLIENT_ID, S2S_CLIENT_SECRET
from tests.access.support import grant
from tests.scheduling.support import fake_state, fast, in_days, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db: Any) -> User:
    return User.objects.create_superuser("root", "root@example.com", "pw-for-root-123")


def save_credentials(client: Any, check_user: str = "alice@example.com") -> Any:
    return client.post(
        "/connections/zoom/organization/",
        {
            "account_id": ACCOUNT_ID,
            "client_id": S2S_CLIENT_ID,
            "client_secret": S2S_CLIENT_SECRET,
            "test_user": check_user,
        },
    )


@pytest.fixture
def organization(client: Any, admin: User, zoom: FakeServer) -> Connection:
    client.force_login(admin)
    assert save_credentials(client).status_code == 302
    return fast(Connection.objects.get(provider="zoom", level=Connection.Level.ORGANIZATION))


def settings_page(connection: Connection) -> str:
    return f"/connections/{connection.pk}/settings/"


def schedule_on_organization(person: User, contact: Contact) -> Meeting:
    outcome = schedule_one_off(
        [contact],
        OneOffMeeting(
            title="Intro",
            timezone="Europe/Paris",
            start=in_days(3, 10),
            provider="zoom",
            host=HostChoice.ORGANIZATION,
        ),
        requested_by=person,
        trigger=TriggerRef(TriggerKind.CONTACT, str(contact.pk)),
    )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    run(meeting)
    return meeting


def zoom_host_of(zoom: FakeServer, meeting: Meeting) -> str:
    (remote,) = [m for m in fake_state(zoom)["meetings"] if m["key"] == meeting.key]
    return str(remote["host_email"])


def test_the_checked_user_becomes_the_default_host_and_the_list_says_so(
    client: Any, organization: Connection
) -> None:
    assert organization.default_host_email == "alice@example.com"
    page = client.get("/connections/").content.decode()
    assert "Default host: alice@example.com" in page
    assert settings_page(organization) in page


def test_a_meeting_whose_host_has_no_zoom_user_is_made_for_the_default_host(
    zoom: FakeServer, organization: Connection, member: User, contact: Contact
) -> None:
    # ann@example.com, the contact's owner, has no user at the fake Zoom account.
    meeting = schedule_on_organization(member, contact)

    assert meeting.state == "invited", meeting.state_reason
    assert meeting.join_url
    assert zoom_host_of(zoom, meeting) == "alice@example.com"


def test_a_meeting_whose_owner_has_a_zoom_user_is_made_for_the_owner(
    zoom: FakeServer, organization: Connection, member: User
) -> None:
    bob = User.objects.create_user("bob", "bob@example.com", "x", first_name="Bob")
    grant(member, "team.edit_others_contacts")
    contact = Contact.objects.create(email="dana@client.example", first_name="Dana", owner=bob)

    meeting = schedule_on_organization(member, contact)

    assert meeting.state == "invited", meeting.state_reason
    assert zoom_host_of(zoom, meeting) == "bob@example.com"


def test_an_unknown_default_host_is_refused_when_saved(
    client: Any, organization: Connection
) -> None:
    answer = client.post(settings_page(organization), {"default_host_email": "nobody@example.com"})

    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-field="default_host_email"' in page
    assert "Zoom user nobody@example.com does not exist at Zoom" in page
    organization.refresh_from_db()
    assert organization.default_host_email == "alice@example.com"  # kept


def test_a_known_default_host_is_saved(client: Any, organization: Connection) -> None:
    answer = client.post(settings_page(organization), {"default_host_email": "carol@example.com"})

    assert answer.status_code == 302
    organization.refresh_from_db()
    assert organization.default_host_email == "carol@example.com"


def test_a_mistyped_address_names_the_field(client: Any, organization: Connection) -> None:
    page = client.post(settings_page(organization), {"default_host_email": "carol@"})

    assert "Enter an email address, such as host@example.com." in page.content.decode()


def test_without_a_default_host_a_hostless_meeting_says_where_to_set_one(
    client: Any, zoom: FakeServer, organization: Connection, member: User
) -> None:
    assert client.post(settings_page(organization), {"default_host_email": ""}).status_code == 302
    grant(member, "team.edit_others_contacts")
    nobodys = Contact.objects.create(email="eve@client.example", first_name="Eve")
    # An automated trigger: no owner and no person, so no host at all.
    outcome = schedule_one_off(
        [nobodys],
        OneOffMeeting(
            title="Intro",
            timezone="Europe/Paris",
            start=in_days(3, 10),
            provider="zoom",
            host=HostChoice.ORGANIZATION,
        ),
        requested_by=None,
        trigger=TriggerRef(TriggerKind.CONTACT, str(nobodys.pk)),
    )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    run(meeting)

    assert "set a default host in the connection's settings" in meeting.state_reason


def test_a_members_own_zoom_connection_has_no_settings_page(
    client: Any, organization: Connection, admin: User
) -> None:
    own = Connection.objects.create(provider="zoom", level=Connection.Level.USER, user=admin)

    assert client.get(settings_page(own)).status_code == 404
