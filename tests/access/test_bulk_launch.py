"""A bulk launch reaches only the contacts its author may edit: `all_contacts` means all
of theirs, a contact they may see but not edit is skipped with the reason, and one they
may not see is refused as if it did not exist."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import User
from tests.access.support import api, colleague, without

pytestmark = pytest.mark.django_db

REASON = "Changing another member's contacts needs the permission"


@pytest.fixture
def action(db: Any) -> MeetingAction:
    return MeetingAction.objects.create(name="Spring wave", provider="jitsi")


@pytest.fixture
def mike(member: User) -> User:
    """A member with the defaults and two contacts of his own, next to Ann's Bob."""
    user = colleague("mike")
    for n in range(2):
        Contact.objects.create(email=f"lead{n}@mike.example", owner=user)
    return user


def scheduled_for() -> set[str]:
    emails = set()
    for meeting in Meeting.objects.filter(trigger="bulk").select_related("contact"):
        assert meeting.contact is not None, "a bulk meeting is always for a contact"
        emails.add(meeting.contact.email)
    return emails


def test_all_contacts_means_the_contacts_the_member_may_edit(
    client: Any, contact: Contact, mike: User, action: MeetingAction
) -> None:
    body = {"all_contacts": True}
    preview = api(client, "post", f"/api/v1/actions/{action.pk}/preview", mike, body).json()
    assert (preview["planned"], preview["skipped"]) == (2, 0)

    answer = api(client, "post", f"/api/v1/actions/{action.pk}/schedule", mike, body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["created"] == 2
    assert scheduled_for() == {"lead0@mike.example", "lead1@mike.example"}


def test_a_contact_the_member_may_see_but_not_edit_is_skipped_with_the_reason(
    client: Any, contact: Contact, mike: User, action: MeetingAction
) -> None:
    own = Contact.objects.get(email="lead0@mike.example")
    body = {"contact_ids": [own.pk, contact.pk]}
    preview = api(client, "post", f"/api/v1/actions/{action.pk}/preview", mike, body).json()
    assert preview["planned"] == 1
    assert [reason[: len(REASON)] for reason in preview["skip_reasons"]] == [REASON]

    answer = api(client, "post", f"/api/v1/actions/{action.pk}/schedule", mike, body).json()
    assert answer["created"] == 1
    assert [s["contact_id"] for s in answer["skipped"]] == [contact.pk]
    assert answer["skipped"][0]["reason"].startswith(REASON)
    assert scheduled_for() == {"lead0@mike.example"}


def test_a_contact_the_member_may_not_see_is_refused_as_unknown(
    client: Any, contact: Contact, mike: User, action: MeetingAction
) -> None:
    without(mike, "team.view_others_contacts")
    body = {"contact_ids": [contact.pk]}
    for step in ("preview", "schedule"):
        answer = api(client, "post", f"/api/v1/actions/{action.pk}/{step}", mike, body)
        assert answer.status_code == 422
        assert answer.json()["errors"] == [
            {"field": "contact_ids", "message": f"no contact with id {contact.pk}"}
        ]
    assert scheduled_for() == set()


def test_one_off_meetings_for_a_contact_need_the_permission_to_edit_it(
    client: Any, contact: Contact, mike: User
) -> None:
    body = {"contact_ids": [contact.pk], "title": "Hello"}
    answer = api(client, "post", "/api/v1/meetings", mike, body)
    assert answer.status_code == 403
    assert answer.json()["detail"].startswith(REASON)
    client.force_login(mike)
    assert client.get(f"/contacts/{contact.pk}/schedule/").status_code == 403
    assert not Meeting.objects.exists()
