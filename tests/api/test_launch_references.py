"""A bulk launch's `trigger_ref` belongs to its action: running the same action again with
it makes nothing twice, while another action launched with the same ref, by anyone, is a
launch of its own."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.team.models import ApiToken, User
from tests.access.support import grant

pytestmark = pytest.mark.django_db


def caller(client: Any, token: str) -> Any:
    def post(path: str, body: Any) -> Any:
        response = client.post(
            f"/api/v1{path}",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code in (200, 201), response.content
        return response.json()

    return post


@pytest.fixture
def ann(client: Any, api_token: str) -> Any:
    return caller(client, api_token)


@pytest.fixture
def cy(client: Any, db: Any) -> Any:
    user = User.objects.create_user("cy", "cy@example.com", "pw-for-cy-123")
    grant(user, "team.edit_others_contacts")  # so that cy may launch for ann's contacts
    return caller(client, ApiToken.issue(user, "tests")[1])


@pytest.fixture
def contact_ids(member: User) -> list[int]:
    return [Contact.objects.create(email=f"p{n}@example.org", owner=member).pk for n in range(3)]


def test_another_persons_action_launched_with_the_same_ref_makes_its_own_meetings(
    ann: Any, cy: Any, contact_ids: list[int]
) -> None:
    mine = ann("/actions", {"name": "Welcome call"})
    theirs = cy("/actions", {"name": "Renewal call"})
    first = ann(
        f"/actions/{mine['id']}/schedule", {"contact_ids": contact_ids, "trigger_ref": "wave-1"}
    )
    second = cy(
        f"/actions/{theirs['id']}/schedule", {"contact_ids": contact_ids, "trigger_ref": "wave-1"}
    )
    assert (first["created"], second["created"], second["existing"]) == (3, 3, 0)
    assert Meeting.objects.filter(action_id=theirs["id"]).count() == 3


def test_the_same_action_run_again_with_its_ref_by_anyone_makes_nothing_twice(
    ann: Any, cy: Any, contact_ids: list[int]
) -> None:
    action = ann("/actions", {"name": "Welcome call"})
    ann(f"/actions/{action['id']}/schedule", {"contact_ids": contact_ids, "trigger_ref": "wave-1"})
    again = cy(f"/actions/{action['id']}/schedule", {"all_contacts": True, "trigger_ref": "wave-1"})
    assert (again["created"], again["existing"]) == (0, 3)
    assert Meeting.objects.count() == 3
