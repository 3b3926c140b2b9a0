"""Who hosts a meeting, chosen in the "Schedule meeting" popups and in POST /api/v1/meetings:
the choices a person sees, the one selected first, and the errors next to "Hosted on"."""

from __future__ import annotations

from typing import Any

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.team.models import User
from tests.access.support import grant
from tests.dates import winter_day
from tests.web.test_schedule_popup import HTMX, error_for, submit

pytestmark = pytest.mark.django_db
DAY = winter_day()


@pytest.fixture
def nobodys(member: User) -> Contact:
    grant(member, "team.edit_others_contacts")  # a contact nobody owns is "another's"
    return Contact.objects.create(email="eve@client.example", first_name="Eve")


@pytest.fixture
def my_zoom(member: User) -> Connection:
    return Connection.objects.create(
        provider="zoom", level=Connection.Level.USER, user=member, account_email="ann@zoom.example"
    )


def popup(client: Any, contact: Contact) -> str:
    return str(client.get(f"/contacts/{contact.pk}/schedule/", headers=HTMX).content.decode())


def test_the_popup_offers_my_account_selected_and_explains_the_others(
    client: Any, member: User, nobodys: Contact, my_zoom: Connection
) -> None:
    client.force_login(member)
    html = popup(client, nobodys)

    group = html.split('data-host-choice="zoom"', 1)[1].split("</fieldset>", 1)[0]
    assert 'value="me" id="host-zoom-me" checked' in group
    assert "ann@zoom.example" in group
    assert "No organization Zoom account is connected." in group
    assert "This contact has no owner." in group
    assert 'value="organization" id="host-zoom-organization" disabled' in group
    assert 'href="/connections/"' in group


def test_my_account_schedules_a_contact_without_an_owner(
    client: Any, member: User, nobodys: Contact, my_zoom: Connection
) -> None:
    client.force_login(member)

    answer = submit(client, nobodys, provider="zoom", host="me", date=DAY.isoformat())

    assert answer.status_code == 200 and "HX-Redirect" in answer.headers
    meeting = Meeting.objects.get()
    assert (meeting.connection, meeting.host) == (my_zoom, member)


def test_a_choice_that_cannot_host_is_an_error_next_to_hosted_on(
    client: Any, member: User, nobodys: Contact, my_zoom: Connection
) -> None:
    client.force_login(member)

    answer = submit(client, nobodys, provider="zoom", host="organization")

    assert "connect the organization account" in error_for(answer, "host")
    assert not Meeting.objects.exists()


def test_a_made_up_choice_is_an_error_next_to_hosted_on(
    client: Any, member: User, contact: Contact
) -> None:
    client.force_login(member)

    answer = submit(client, contact, provider="zoom", host="boss")

    assert "Choose one of the accounts offered." in error_for(answer, "host")


def test_the_bulk_popup_refuses_my_account_when_i_have_none(
    client: Any, member: User, contact: Contact
) -> None:
    client.force_login(member)
    answer = client.post(
        "/contacts/schedule/",
        {
            "ids": [str(contact.pk)],
            "how": "options",
            "title": "Demo",
            "when": "at",
            "date": DAY.isoformat(),
            "time": "10:00",
            "timezone": "Europe/Berlin",
            "duration_minutes": "30",
            "provider": "zoom",
            "host": "me",
        },
        headers=HTMX,
    )

    assert "You have not connected a Zoom account." in error_for(answer, "host")
    assert not Meeting.objects.exists()


# -- the API -------------------------------------------------------------------------------


def body(contact: Contact, **changes: Any) -> dict[str, Any]:
    return {
        "contact_ids": [contact.pk],
        "title": "Intro",
        "timezone": "Europe/Paris",
        "start": f"{DAY.isoformat()}T10:00",
        "provider": "zoom",
        **changes,
    }


def test_the_api_schedules_a_contact_without_an_owner_on_my_account(
    api_post: Any, member: User, nobodys: Contact, my_zoom: Connection
) -> None:
    answer = api_post("/meetings", body(nobodys, host="me"))

    assert answer.status_code == 201, answer.content
    assert answer.json()["meetings"][0]["host"] == "ann"


def test_the_api_names_the_host_field_when_the_choice_cannot_host(
    api_post: Any, nobodys: Contact, my_zoom: Connection
) -> None:
    answer = api_post("/meetings", body(nobodys, host="owner"))

    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == "host"
    assert "this contact has no owner" in error["message"]


def test_the_api_refuses_an_unknown_host_by_name(api_post: Any, contact: Contact) -> None:
    answer = api_post("/meetings", body(contact, host="boss"))

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "host"


def test_the_api_documents_the_host_choice(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    text = str(schema)
    assert "'me', 'organization', 'owner'" in text or "['me', 'organization', 'owner']" in text
