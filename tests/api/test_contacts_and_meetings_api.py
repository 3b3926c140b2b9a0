"""The API's contacts and meetings, as a client integrating Convener would use them."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.team.models import User
from tests.dates import at, winter_day

DAY = winter_day()

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(api_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token}"}


def test_contacts_can_be_created_listed_read_and_updated(
    client: Any, auth: Any, member: User
) -> None:
    created = client.post(
        "/api/v1/contacts",
        {
            "email": "dana@example.org",
            "first_name": "Dana",
            "timezone": "Asia/Tokyo",
            "owner": "ann",
        },
        content_type="application/json",
        headers=auth,
    )
    assert created.status_code == 201, created.content
    contact = created.json()
    assert contact["owner"] == "ann"
    listed = client.get("/api/v1/contacts", headers=auth).json()
    assert [c["email"] for c in listed["items"]] == ["dana@example.org"]
    changed = client.patch(
        f"/api/v1/contacts/{contact['id']}",
        {"company": "Acme"},
        content_type="application/json",
        headers=auth,
    ).json()
    assert (changed["company"], changed["timezone"]) == ("Acme", "Asia/Tokyo")
    assert client.get(f"/api/v1/contacts/{contact['id']}", headers=auth).json()["company"] == "Acme"


def test_one_request_schedules_a_meeting_for_each_contact(
    client: Any, auth: Any, member: User, contact: Contact
) -> None:
    from convener.crm.models import Contact

    other = Contact.objects.create(email="eve@example.org", timezone="Asia/Tokyo", owner=member)
    response = client.post(
        "/api/v1/meetings",
        {
            "contact_ids": [contact.pk, other.pk],
            "title": "Kick-off",
            "start": at(winter_day(1), 9, 30),
            "timezone": "Europe/Berlin",
        },
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 201
    meetings = response.json()["meetings"]
    assert sorted(m["contact_id"] for m in meetings) == sorted([contact.pk, other.pk])
    assert {m["local_start"] for m in meetings} == {f"{winter_day(1)}T09:30:00+01:00"}
    assert {m["state"] for m in meetings} == {"planned"}
    listed = client.get(f"/api/v1/meetings?contact_id={other.pk}", headers=auth).json()
    assert [m["contact_id"] for m in listed["items"]] == [other.pk]


def test_repeating_a_request_with_the_same_idempotency_key_makes_no_second_meeting(
    client: Any, auth: Any, contact: Contact
) -> None:
    body = {"contact_ids": [contact.pk], "title": "Once", "idempotency_key": "crm-event-42"}
    first = client.post("/api/v1/meetings", body, content_type="application/json", headers=auth)
    again = client.post("/api/v1/meetings", body, content_type="application/json", headers=auth)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["meetings"] == []
    assert [m["id"] for m in again.json()["existing"]] == [first.json()["meetings"][0]["id"]]


def test_an_offset_start_is_an_instant_shown_in_the_chosen_zone(
    client: Any, auth: Any, contact: Contact
) -> None:
    response = client.post(
        "/api/v1/meetings",
        {
            "contact_ids": [contact.pk],
            "title": "Z",
            "start": f"{DAY}T15:00:00Z",
            "timezone": "America/New_York",
        },
        content_type="application/json",
        headers=auth,
    )
    meeting = response.json()["meetings"][0]
    assert meeting["start"].startswith(f"{DAY}T15:00:00")
    assert meeting["local_start"] == f"{DAY}T10:00:00-05:00"


def test_the_openapi_document_describes_the_endpoints(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/contacts", "/api/v1/meetings", "/api/v1/plans/preview"} <= set(
        document["paths"]
    )


def test_the_session_of_a_logged_in_person_works_too(client: Any, member: User) -> None:
    client.force_login(member)
    assert client.get("/api/v1/meetings").status_code == 200
