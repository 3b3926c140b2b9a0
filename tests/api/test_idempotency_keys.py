"""POST /meetings with an idempotency key behaves as payment APIs do: a repeat answers the
same meetings and makes nothing, the key is its sender's own, and another body under a
key already used is refused."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import ApiToken, User
from tests.access.support import grant
from tests.dates import at, winter_day

pytestmark = pytest.mark.django_db


def post(client: Any, token: str, body: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/meetings",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def other_token(db: Any) -> str:
    other = User.objects.create_user("cy", "cy@example.com", "pw-for-cy-123")
    grant(other, "team.edit_others_contacts")  # so that both may schedule with the contact
    return ApiToken.issue(other, "tests")[1]


def body(contact: Contact, **changes: Any) -> dict[str, Any]:
    return {
        "contact_ids": [contact.pk],
        "title": "Onboarding",
        "start": at(winter_day(), 10),
        "timezone": "Europe/Berlin",
        "idempotency_key": "crm-event-7",
        **changes,
    }


def test_a_repeat_returns_the_same_meetings_and_makes_no_new_action(
    client: Any, api_token: str, contact: Contact
) -> None:
    first = post(client, api_token, body(contact))
    actions_after_first = MeetingAction.objects.count()
    again = post(client, api_token, body(contact))
    assert first.status_code == 201 and again.status_code == 200, again.content
    assert [m["id"] for m in again.json()["existing"]] == [
        m["id"] for m in first.json()["meetings"]
    ]
    assert Meeting.objects.count() == 1
    assert MeetingAction.objects.count() == actions_after_first == 0


def test_a_repeat_with_the_fields_spelled_differently_is_still_a_repeat(
    client: Any, api_token: str, contact: Contact
) -> None:
    post(client, api_token, body(contact))
    # The defaults written out, the keys in another order: the same request.
    again = post(
        client,
        api_token,
        dict(reversed(body(contact, duration_minutes=30, description="").items())),
    )
    assert again.status_code == 200, again.content
    assert Meeting.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused_with_409_naming_the_key(
    client: Any, api_token: str, contact: Contact
) -> None:
    post(client, api_token, body(contact))
    changed = post(client, api_token, body(contact, title="Something else"))
    assert changed.status_code == 409, changed.content
    error = changed.json()
    assert error["errors"][0]["field"] == "idempotency_key"
    assert "different request" in error["detail"]
    assert Meeting.objects.count() == 1
    assert MeetingAction.objects.count() == 0


def test_two_people_may_use_the_same_key_independently(
    client: Any, api_token: str, other_token: str, contact: Contact
) -> None:
    mine = post(client, api_token, body(contact))
    theirs = post(client, other_token, body(contact, title="Their own"))
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.content
    assert Meeting.objects.count() == 2


def test_a_refused_request_does_not_use_up_its_key(
    client: Any, api_token: str, contact: Contact
) -> None:
    refused = post(client, api_token, body(contact, contact_ids=[contact.pk, 987654]))
    assert refused.status_code == 422
    accepted = post(client, api_token, body(contact, contact_ids=[contact.pk, 987654]))
    assert accepted.status_code == 422  # still refused for its contact, not as a replay
    assert post(client, api_token, body(contact)).status_code == 201


def test_a_repeat_answers_even_after_a_contact_was_removed(
    client: Any, api_token: str, contact: Contact, member: User
) -> None:
    both = [contact.pk, Contact.objects.create(email="eve@example.org", owner=member).pk]
    first = post(client, api_token, body(contact, contact_ids=both))
    Contact.objects.filter(pk=both[1]).delete()
    again = post(client, api_token, body(contact, contact_ids=both))
    assert again.status_code == 200, again.content
    assert len(again.json()["existing"]) == len(first.json()["meetings"]) == 2


def test_a_key_that_arrives_twice_at_once_schedules_once(
    client: Any, api_token: str, contact: Contact
) -> None:
    from convener.scheduling import idempotency

    first = post(client, api_token, body(contact))
    real_replay = idempotency._replay
    # The second request looks before the first has committed, finds nothing, and only
    # the unique key stops it: it must then answer as a repeat.
    looks: list[object] = []

    def late_replay(*args: Any) -> Any:
        looks.append(args)
        return None if len(looks) == 1 else real_replay(*args)

    with mock.patch.object(idempotency, "_replay", late_replay):
        again = post(client, api_token, body(contact))
    assert again.status_code == 200, again.content
    assert [m["id"] for m in again.json()["existing"]] == [
        m["id"] for m in first.json()["meetings"]
    ]
    assert len(looks) == 2
    assert (Meeting.objects.count(), MeetingAction.objects.count()) == (1, 0)
