"""A member without *view others* does not see other members' contacts, meetings,
invitations or connected accounts anywhere: lists, search, pages, the API."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.team.models import User
from tests.access.support import api, colleague, without, zoom_meeting_on_own_account

pytestmark = pytest.mark.django_db

ACCOUNT = "ann-zoom@example.com"


@pytest.fixture
def anns(member: User, contact: Contact) -> Meeting:
    """Ann's contact Bob, and her Zoom meeting with him, invited."""
    return zoom_meeting_on_own_account(
        member,
        contact,
        ACCOUNT,
        "Stone pricing",
        state="invited",
        join_url="https://zoom.example.com/j/1",
    )


@pytest.fixture
def mike(db: Any) -> User:
    """A member who may see only his own contacts and meetings."""
    user = colleague("mike")
    without(user, "team.view_others_contacts", "team.view_others_meetings")
    Contact.objects.create(email="own@mike.example", last_name="Mikes", owner=user)
    return user


def test_a_member_without_view_others_sees_none_of_another_members_contacts(
    client: Any, anns: Meeting, mike: User
) -> None:
    client.force_login(mike)
    listed = client.get("/contacts/").content.decode()
    assert "own@mike.example" in listed and "bob@example.org" not in listed
    assert "bob@example.org" not in client.get("/contacts/?q=bob").content.decode()
    assert "Bob" not in client.get("/contacts/?q=Stone").content.decode()
    assert client.get(f"/contacts/{anns.contact_id}/").status_code == 404

    emails = [c["email"] for c in api(client, "get", "/api/v1/contacts", mike).json()["items"]]
    assert emails == ["own@mike.example"]
    assert api(client, "get", "/api/v1/contacts?q=bob", mike).json()["items"] == []
    assert api(client, "get", f"/api/v1/contacts/{anns.contact_id}", mike).status_code == 404


def test_a_member_without_view_others_sees_none_of_another_members_meetings_or_invitations(
    client: Any, anns: Meeting, mike: User
) -> None:
    client.force_login(mike)
    assert anns.title not in client.get("/meetings/").content.decode()
    assert client.get(f"/meetings/{anns.pk}/").status_code == 404
    assert anns.title not in client.get("/outbox/").content.decode()
    delivery = anns.deliveries.get()
    for page in ("", "body.html", "invite.ics"):
        assert client.get(f"/outbox/{delivery.pk}/{page}").status_code == 404

    assert api(client, "get", "/api/v1/meetings", mike).json()["items"] == []
    by_contact = api(client, "get", f"/api/v1/meetings?contact_id={anns.contact_id}", mike)
    assert by_contact.json()["items"] == []
    assert api(client, "get", f"/api/v1/meetings/{anns.pk}", mike).status_code == 404


def test_a_hidden_meeting_answers_exactly_like_one_that_does_not_exist(
    client: Any, anns: Meeting, mike: User
) -> None:
    absent = 999999
    hidden = api(client, "post", f"/api/v1/meetings/{anns.pk}/cancel", mike)
    missing = api(client, "post", f"/api/v1/meetings/{absent}/cancel", mike)
    # Both name the id that was asked for, and nothing else tells them apart.
    told = hidden.content.decode().replace(f"id {anns.pk}", f"id {absent}")
    assert (hidden.status_code, told) == (missing.status_code, missing.content.decode())
    assert hidden.json() == {
        "detail": "not found",
        "errors": [{"field": "meeting_id", "message": f"nothing has the id {anns.pk}"}],
    }


def test_the_hosts_connected_account_shows_only_to_the_host_and_administrators(
    client: Any, member: User, anns: Meeting, mike: User, admin_user: Any
) -> None:
    client.force_login(mike)
    assert ACCOUNT not in client.get(f"/meetings/{anns.pk}/").content.decode()

    # A member who may view others' meetings sees the meeting and its host, not the account.
    viewer = colleague("vera")
    client.force_login(viewer)
    page = client.get(f"/meetings/{anns.pk}/").content.decode()
    assert anns.title in page and "Ann Lee" in page
    assert ACCOUNT not in page
    assert ACCOUNT not in client.get("/connections/").content.decode()

    for person in (member, admin_user):
        client.force_login(person)
        assert ACCOUNT in client.get(f"/meetings/{anns.pk}/").content.decode()
