"""Reusable actions and bulk launches through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import User
from tests.dates import at, winter_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_post: Callable[[str, Any], Any]) -> Any:
    return api_post


def make_contacts(owner: Any, count: int) -> list[int]:
    Contact.objects.bulk_create(
        Contact(email=f"p{n}@example.org", owner=owner, timezone="Europe/Paris")
        for n in range(count)
    )
    return list(Contact.objects.order_by("pk").values_list("pk", flat=True))


SMART = {
    "mode": "smart",
    "start": at(winter_day(), 10),
    "gap_minutes": 10,
    "window": {"from": "10:00", "to": "18:00"},
    "days": ["mon", "tue", "wed", "thu", "fri"],
    "per_host": True,
}


def test_a_smart_action_launched_for_many_contacts_lays_them_out_per_host(
    api: Any, member: User, django_capture_on_commit_callbacks: Any
) -> None:
    ids = make_contacts(member, 30)
    action = api(
        "/actions",
        {
            "name": "Demo day",
            "timing": SMART,
            "timezone": "Europe/Paris",
            "credentials": "contact_owner",
            "fallback": "organization",
        },
    )
    assert action.status_code == 201, action.content
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        launched = api(f"/actions/{action.json()['id']}/schedule", {"contact_ids": ids})
    assert launched.status_code == 201, launched.content
    assert launched.json()["created"] == 30
    assert len(callbacks) == 1  # one nudge for the lane, not one task per meeting
    starts = [m.local_start.strftime("%a %H:%M") for m in Meeting.objects.order_by("start")]
    assert starts[:3] == ["Tue 10:00", "Tue 10:40", "Tue 11:20"]
    assert len(set(starts)) == 30


def test_launching_again_with_the_same_reference_makes_nothing_twice(
    api: Any, member: User
) -> None:
    ids = make_contacts(member, 5)
    action = api("/actions", {"name": "Follow-up"}).json()
    first = api(f"/actions/{action['id']}/schedule", {"contact_ids": ids, "trigger_ref": "wave-1"})
    again = api(
        f"/actions/{action['id']}/schedule", {"all_contacts": True, "trigger_ref": "wave-1"}
    )
    assert (first.json()["created"], again.json()["created"], again.json()["existing"]) == (5, 0, 5)
    assert Meeting.objects.count() == 5


def test_the_preview_warns_when_a_zoom_host_would_exceed_100_a_day(api: Any, member: User) -> None:
    Connection.objects.create(
        provider="zoom", level="user", user=member, account_email="ann@example.com"
    )
    ids = make_contacts(member, 130)
    action = api(
        "/actions", {"name": "Zoom wave", "provider": "zoom", "credentials": "contact_owner"}
    ).json()
    preview = api(f"/actions/{action['id']}/preview", {"contact_ids": ids}).json()
    assert preview["planned"] == 130
    (warning,) = preview["warnings"]
    assert "130 meetings" in warning and "100 a day" in warning
    assert Meeting.objects.count() == 0  # a preview saves nothing


def test_contacts_without_a_usable_account_are_skipped_with_the_reason(
    api: Any, member: User
) -> None:
    ids = make_contacts(member, 3)
    action = api(
        "/actions", {"name": "Teams", "provider": "microsoft_teams", "credentials": "organization"}
    ).json()
    result = api(f"/actions/{action['id']}/schedule", {"contact_ids": ids}).json()
    assert result["created"] == 0 and result["skipped_count"] == 3
    assert "no Microsoft Teams account" in result["skipped"][0]["reason"]


def test_a_bad_action_names_the_field(api: Any) -> None:
    response = api(
        "/actions",
        {
            "name": "x",
            "timing": {
                "mode": "smart",
                "start": at(winter_day(), 10),
                "window": {"from": "18:00", "to": "10:00"},
            },
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("timing.window")
    response = api("/actions", {"name": "x", "title_template": "{% if %}"})
    assert response.json()["errors"][0]["field"] == "title_template"


def test_a_one_off_meeting_leaves_no_action_behind_to_list_or_launch(
    api: Any, member: User, contact: Contact, client: Any, api_token: str
) -> None:
    one_off = api("/meetings", {"contact_ids": [contact.pk], "title": "Just once"})
    assert one_off.status_code == 201, one_off.content
    listed = client.get("/api/v1/actions", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert listed.status_code == 200 and listed.json() == []
    assert MeetingAction.objects.count() == 0
    meeting = Meeting.objects.get()
    assert (meeting.action, meeting.trigger, meeting.title) == (None, "api", "Just once")
