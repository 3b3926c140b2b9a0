"""Bad input through the API gets JSON naming the field, and nothing is half-saved."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Attendee, Meeting, MeetingAction
from convener.team.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, api_token: str) -> Any:
    class Api:
        def post(self, path: str, body: Any) -> Any:
            return client.post(
                f"/api/v1{path}",
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {api_token}"},
            )

        def patch(self, path: str, body: Any) -> Any:
            return client.patch(
                f"/api/v1{path}",
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {api_token}"},
            )

    return Api()


def fields_of(response: Any) -> list[str]:
    assert response.status_code == 422, response.content
    return [e["field"] for e in response.json()["errors"]]


def nothing_saved() -> None:
    assert Meeting.objects.count() == 0
    assert MeetingAction.objects.count() == 0
    assert Attendee.objects.count() == 0


def test_an_unknown_time_zone_names_the_timezone_field(api: Any, contact: Contact) -> None:
    response = api.post(
        "/meetings",
        {
            "contact_ids": [contact.pk],
            "title": "Demo",
            "start": "2026-12-01T10:00",
            "timezone": "Mars/Base",
        },
    )
    assert fields_of(response) == ["timezone"]
    assert "Mars/Base" in response.json()["errors"][0]["message"]
    nothing_saved()


def test_a_malformed_date_names_the_start_field(api: Any, contact: Contact) -> None:
    response = api.post(
        "/meetings", {"contact_ids": [contact.pk], "title": "Demo", "start": "2026-13-45T10:00"}
    )
    assert fields_of(response) == ["start"]
    nothing_saved()


def test_an_invalid_attendee_email_names_the_attendees_field(api: Any, contact: Contact) -> None:
    response = api.post(
        "/meetings",
        {
            "contact_ids": [contact.pk],
            "title": "Demo",
            "attendees": ["ok@example.com", "not-an-email"],
        },
    )
    assert fields_of(response) == ["attendees"]
    assert "not-an-email" in response.json()["errors"][0]["message"]
    nothing_saved()


def test_a_missing_contact_names_contact_ids_and_saves_nothing(api: Any, contact: Contact) -> None:
    response = api.post("/meetings", {"contact_ids": [contact.pk, 99999], "title": "Demo"})
    assert fields_of(response) == ["contact_ids"]
    assert "99999" in response.json()["errors"][0]["message"]
    nothing_saved()


def test_a_missing_title_names_the_title_field(api: Any, contact: Contact) -> None:
    assert fields_of(api.post("/meetings", {"contact_ids": [contact.pk]})) == ["title"]
    nothing_saved()


def test_a_time_in_the_past_is_refused_and_nothing_is_saved(api: Any, contact: Contact) -> None:
    response = api.post(
        "/meetings",
        {
            "contact_ids": [contact.pk],
            "title": "Demo",
            "start": "2020-01-01T10:00",
            "timezone": "UTC",
        },
    )
    assert fields_of(response) == ["start"]
    assert "past" in response.json()["errors"][0]["message"]
    nothing_saved()


def test_an_invalid_contact_email_and_zone_are_both_named(api: Any) -> None:
    response = api.post("/contacts", {"email": "nobody@", "timezone": "Europe/Nowhere"})
    assert sorted(fields_of(response)) == ["email", "timezone"]
    assert Contact.objects.count() == 0


def test_a_bad_patch_leaves_the_contact_as_it_was(api: Any, contact: Contact) -> None:
    response = api.patch(f"/contacts/{contact.pk}", {"timezone": "Not/AZone", "first_name": "Rob"})
    assert fields_of(response) == ["timezone"]
    contact.refresh_from_db()
    assert (contact.first_name, contact.timezone) == ("Bob", "America/New_York")


def test_a_custom_field_value_of_the_wrong_kind_names_the_field(api: Any) -> None:
    from convener.crm.models import CustomField

    CustomField.objects.create(key="preferred_at", label="Preferred", kind="datetime")
    response = api.post("/contacts", {"email": "c@example.com", "fields": {"preferred_at": "soon"}})
    assert fields_of(response) == ["fields.preferred_at"]


def test_without_a_token_the_api_says_how_to_authenticate(client: Any) -> None:
    response = client.get("/api/v1/meetings")
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "Authorization"


def test_a_wrong_token_is_refused(client: Any, member: User) -> None:
    response = client.get("/api/v1/meetings", headers={"Authorization": "Bearer cnv_wrong"})
    assert response.status_code == 401
