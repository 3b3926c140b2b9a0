"""Text that ends up in email headers (titles, names, addresses) is refused with a line
break or another control character, by the API, with an error naming the field; so no
invitation can carry an injected header."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from tests.api.caller import Call, api_caller, refusal

pytestmark = pytest.mark.django_db

INJECTION = "Demo\r\nBcc: everyone@evil.example"


@pytest.fixture
def api(client: Any, api_token: str) -> Call:
    return api_caller(client, api_token)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": INJECTION}, "title"),
        ({"title": "Demo\u2028Bcc: x@evil.example"}, "title"),
        ({"attendees": ['"x\x0bBcc:y"@example.org']}, "attendees"),
        ({"passcode": "12\n34"}, "passcode"),
        ({"description": "Agenda\x00"}, "description"),
    ],
)
def test_a_meeting_request_with_control_characters_names_the_field(
    api: Any, contact: Contact, changes: dict[str, Any], field: str
) -> None:
    body = {"contact_ids": [contact.pk], "title": "Demo", **changes}
    # NUL is refused as soon as the body is read, since no database can store it.
    assert "character" in refusal(api("post", "/meetings", body))[field]
    assert (Meeting.objects.count(), MeetingAction.objects.count()) == (0, 0)


def test_a_description_keeps_its_line_breaks(api: Any, contact: Contact) -> None:
    body = {"contact_ids": [contact.pk], "title": "Demo", "description": "One\r\nTwo\n\tThree"}
    assert api("post", "/meetings", body).status_code == 201
    assert Meeting.objects.get().description == "One\r\nTwo\n\tThree"


@pytest.mark.parametrize("field", ["first_name", "last_name", "company"])
def test_a_contact_name_with_a_line_break_is_refusal(api: Any, field: str) -> None:
    body = {"email": "dana@example.org", field: "Dana\nBcc: x@evil.example"}
    assert "line break" in refusal(api("post", "/contacts", body))[field]
    assert Contact.objects.count() == 0


def test_a_contact_address_with_a_control_character_is_refusal(api: Any) -> None:
    body = {"email": '"dana\x1cBcc:x"@example.org'}
    assert "control character" in refusal(api("post", "/contacts", body))["email"]


def test_a_contact_cannot_be_changed_to_a_name_with_a_line_break(
    api: Any, contact: Contact
) -> None:
    response = api("patch", f"/contacts/{contact.pk}", {"last_name": "Stone\r\nX-Evil: 1"})
    assert "carriage return" in refusal(response)["last_name"]
    contact.refresh_from_db()
    assert contact.last_name == "Stone"


def test_a_patch_cannot_put_a_line_break_in_the_title(api: Any, contact: Contact) -> None:
    made = api("post", "/meetings", {"contact_ids": [contact.pk], "title": "Demo"}).json()
    response = api("patch", f"/meetings/{made['meetings'][0]['id']}", {"title": INJECTION})
    assert "line" in refusal(response)["title"]
    assert Meeting.objects.get().title == "Demo"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Wave\n2"}, "name"),
        ({"title_template": "Hi {{ contact.name }}\r\nBcc: x@evil.example"}, "title_template"),
        ({"external_emails": ["a@example.org\n"]}, "external_emails"),
    ],
)
def test_an_action_with_control_characters_names_the_field(
    api: Any, changes: dict[str, Any], field: str
) -> None:
    body = {"name": "Wave", **changes}
    assert field in refusal(api("post", "/actions", body))
    assert MeetingAction.objects.count() == 0
