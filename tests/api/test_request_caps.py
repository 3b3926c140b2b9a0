"""Every cap on a request is a 422 that names the field and says the limit, and nothing
is saved (see docs/api-limits.md)."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import User
from tests.api.caller import Call, api_caller, refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, api_token: str) -> Call:
    return api_caller(client, api_token)


def test_a_title_over_200_characters_is_refusal(api: Any, contact: Contact) -> None:
    errors = refusal(api("post", "/meetings", {"contact_ids": [contact.pk], "title": "x" * 201}))
    assert "200" in errors["title"]
    assert Meeting.objects.count() == 0


def test_a_description_over_8000_characters_is_refusal(api: Any, contact: Contact) -> None:
    body = {"contact_ids": [contact.pk], "title": "Demo", "description": "x" * 8001}
    assert "8000" in refusal(api("post", "/meetings", body))["description"]


def test_a_zoom_description_must_leave_room_for_the_agenda_marker(
    api: Any, contact: Contact
) -> None:
    body = {
        "contact_ids": [contact.pk],
        "title": "Demo",
        "provider": "zoom",
        "description": "x" * 1962,
    }
    message = refusal(api("post", "/meetings", body))["description"]
    assert "1,961 characters for Zoom" in message and "1,962" in message
    assert (Meeting.objects.count(), MeetingAction.objects.count()) == (0, 0)


def test_more_than_50_extra_attendees_are_refusal(api: Any, contact: Contact) -> None:
    emails = [f"guest{n}@example.org" for n in range(51)]
    body = {"contact_ids": [contact.pk], "title": "Demo", "attendees": emails}
    assert "50" in refusal(api("post", "/meetings", body))["attendees"]


def test_an_action_with_more_than_50_attendees_in_all_is_refusal(api: Any, member: User) -> None:
    emails = [f"guest{n}@example.org" for n in range(50)]
    body = {"name": "Big", "external_emails": emails, "internal_attendees": ["ann"]}
    assert "(this one has 51)" in refusal(api("post", "/actions", body))["external_emails"]
    assert MeetingAction.objects.count() == 0


def test_a_zoom_actions_description_template_is_held_to_zooms_limit(api: Any) -> None:
    body = {"name": "Z", "provider": "zoom", "description_template": "x" * 1962}
    assert "for Zoom" in refusal(api("post", "/actions", body))["description_template"]


def test_more_than_1000_contacts_in_one_request_are_refusal(api: Any) -> None:
    body = {"contact_ids": list(range(1, 1002)), "title": "Demo"}
    assert "1000" in refusal(api("post", "/meetings", body))["contact_ids"]


def test_a_launch_takes_at_most_10000_contact_ids(api: Any, contact: Contact) -> None:
    action = api("post", "/actions", {"name": "Wave"}).json()
    ids = list(range(1, 10_002))
    for step in ("preview", "schedule"):
        response = api("post", f"/actions/{action['id']}/{step}", {"contact_ids": ids})
        assert "10000" in refusal(response)["contact_ids"]
    assert Meeting.objects.count() == 0


def test_a_launch_of_all_contacts_has_no_such_cap(api: Any, member: User) -> None:
    Contact.objects.bulk_create(Contact(email=f"p{n}@example.org", owner=member) for n in range(30))
    action = api("post", "/actions", {"name": "Wave"}).json()
    launched = api("post", f"/actions/{action['id']}/schedule", {"all_contacts": True})
    assert launched.json()["created"] == 30


def test_a_patch_holds_the_title_and_the_description_to_the_same_caps(
    api: Any, contact: Contact
) -> None:
    meeting = api("post", "/meetings", {"contact_ids": [contact.pk], "title": "Demo"})
    path = f"/meetings/{meeting.json()['meetings'][0]['id']}"
    assert "200" in refusal(api("patch", path, {"title": "x" * 201}))["title"]
    assert "8000" in refusal(api("patch", path, {"description": "x" * 8001}))["description"]
