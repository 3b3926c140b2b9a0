"""PATCH /api/v1/meetings/{id}, POST .../cancel and .../retry, as an API client uses them.

These tests serve the API from a URLconf of their own with the same routers and error
handlers (written before convener/api/router.py mounted `convener.api.lifecycle.router`);
`test_the_sites_own_api_serves_retry` checks the site's own /api/v1.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI

from convener.api import errors, meetings
from convener.api import lifecycle as lifecycle_api
from convener.api.auth import AUTH
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.scheduling import lifecycle
from convener.team.models import User
from tests.conftest import Inbox
from tests.scheduling.support import CONTACT, in_days, invites, run, schedule

api = NinjaAPI(title="Convener API (lifecycle tests)", urls_namespace="lifecycle-tests", auth=AUTH)
errors.install(api)
api.add_router("", meetings.router)
api.add_router("", lifecycle_api.router)
urlpatterns = [path("api/v1/", api.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def meeting(
    member: User, contact: Contact, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> Meeting:
    return schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)


def call(client: Any, token: str, method: str, url: str, body: Any = None) -> Any:
    return getattr(client, method)(
        url,
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


def test_a_patch_reschedules_in_the_given_zone_and_the_invitation_follows(
    client: Any, api_token: str, meeting: Meeting, smtp_server: Inbox
) -> None:
    local = in_days(21, 18, 15)
    answer = call(
        client,
        api_token,
        "patch",
        f"/api/v1/meetings/{meeting.pk}",
        {"start": local.isoformat(), "timezone": "Asia/Tokyo", "duration_minutes": 60},
    )

    assert answer.status_code == 200, answer.content
    body = answer.json()
    tokyo = local.replace(tzinfo=ZoneInfo("Asia/Tokyo"))
    assert datetime.fromisoformat(body["start"]) == tokyo
    assert datetime.fromisoformat(body["end"]) - tokyo == timedelta(hours=1)
    assert (body["timezone"], body["sequence"], body["state"]) == ("Asia/Tokyo", 1, "linked")
    assert body["local_start"].startswith(local.strftime("%Y-%m-%dT%H:%M"))

    run(meeting)
    _, update = invites(smtp_server, CONTACT)
    assert (update.sequence, update.start, update.tzid) == (1, tokyo, "Asia/Tokyo")
    got = call(client, api_token, "get", f"/api/v1/meetings/{meeting.pk}").json()
    assert got["state"] == "invited"
    assert [(i["method"], i["sequence"]) for i in got["invitations"]].count(("REQUEST", 1)) == 2


def test_a_patch_with_an_offset_takes_the_instant_and_keeps_the_zone(
    client: Any, api_token: str, meeting: Meeting
) -> None:
    instant = (timezone.now() + timedelta(days=30)).replace(microsecond=0, second=0)
    answer = call(
        client,
        api_token,
        "patch",
        f"/api/v1/meetings/{meeting.pk}",
        {"start": instant.astimezone(UTC).isoformat()},
    )
    assert answer.status_code == 200, answer.content
    assert datetime.fromisoformat(answer.json()["start"]) == instant
    assert answer.json()["timezone"] == "Europe/Berlin"
    assert datetime.fromisoformat(answer.json()["end"]) == instant + timedelta(minutes=30)


def test_a_patch_sets_and_clears_a_link_by_hand(
    client: Any, api_token: str, meeting: Meeting, smtp_server: Inbox
) -> None:
    jitsi = meeting.join_url
    url = f"/api/v1/meetings/{meeting.pk}"

    body = call(client, api_token, "patch", url, {"join_url": "https://rooms.example.com/a"}).json()
    assert (body["join_url"], body["manual_link"], body["sequence"]) == (
        "https://rooms.example.com/a",
        True,
        1,
    )
    run(meeting)
    assert invites(smtp_server, CONTACT)[-1].location == "https://rooms.example.com/a"

    body = call(client, api_token, "patch", url, {"join_url": ""}).json()
    assert (body["manual_link"], body["sequence"]) == (False, 2)
    run(meeting)
    assert meeting.join_url == jitsi
    assert invites(smtp_server, CONTACT)[-1].location == jitsi


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"start": "2001-02-03T10:00"}, "start"),
        ({"start": "next tuesday"}, "start"),
        ({"duration_minutes": 2}, "duration_minutes"),
        ({"title": ""}, "title"),
        ({"join_url": "ftp://files.example.com/room"}, "join_url"),
    ],
)
def test_a_bad_patch_names_the_field_and_changes_nothing(
    client: Any, api_token: str, meeting: Meeting, body: dict[str, Any], field: str
) -> None:
    saved = Meeting.objects.filter(pk=meeting.pk).values().get()
    answer = call(client, api_token, "patch", f"/api/v1/meetings/{meeting.pk}", body)
    assert answer.status_code == 422, answer.content
    assert fields(answer) == [field]
    assert Meeting.objects.filter(pk=meeting.pk).values().get() == saved


def test_after_a_cancel_the_meeting_refuses_a_patch_or_a_retry_naming_its_state(
    client: Any, api_token: str, meeting: Meeting, smtp_server: Inbox
) -> None:
    answer = call(client, api_token, "post", f"/api/v1/meetings/{meeting.pk}/cancel")
    assert answer.status_code == 200, answer.content
    assert answer.json()["cancel_requested"] is True
    run(meeting)
    got = call(client, api_token, "get", f"/api/v1/meetings/{meeting.pk}").json()
    assert got["state"] == "cancelled"
    assert invites(smtp_server, CONTACT)[-1].method == "CANCEL"

    again = call(client, api_token, "post", f"/api/v1/meetings/{meeting.pk}/cancel")
    assert again.status_code == 200 and again.json()["state"] == "cancelled"
    moved = call(
        client,
        api_token,
        "patch",
        f"/api/v1/meetings/{meeting.pk}",
        {"start": in_days(30, 9).isoformat()},
    )
    assert moved.status_code == 422 and fields(moved) == ["state"]
    retried = call(client, api_token, "post", f"/api/v1/meetings/{meeting.pk}/retry")
    assert retried.status_code == 422 and fields(retried) == ["state"]


def test_a_retry_makes_a_failed_link_due_now_with_its_attempts_started_over(
    client: Any, api_token: str, meeting: Meeting, smtp_server: Inbox
) -> None:
    later = timezone.now() + timedelta(hours=1)
    Meeting.objects.filter(pk=meeting.pk).update(
        state="link_failed", join_url="", provider_meeting_id="", attempts=5, next_attempt_at=later
    )
    answer = call(client, api_token, "post", f"/api/v1/meetings/{meeting.pk}/retry")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["state"], body["attempts"]) == ("planned", 0)
    assert datetime.fromisoformat(body["next_attempt_at"]) <= timezone.now()
    run(meeting)
    assert meeting.state == "invited" and meeting.join_url


def test_a_meeting_a_worker_holds_answers_409_and_is_left_alone(
    client: Any, api_token: str, meeting: Meeting, monkeypatch: Any
) -> None:
    monkeypatch.setattr(lifecycle, "LEASE_WAIT_SECONDS", 0.1)
    Meeting.objects.filter(pk=meeting.pk).update(lease_until=timezone.now() + timedelta(minutes=1))
    answer = call(client, api_token, "post", f"/api/v1/meetings/{meeting.pk}/cancel")
    assert answer.status_code == 409
    assert "try again" in answer.json()["detail"]
    assert Meeting.objects.get(pk=meeting.pk).cancel_requested is False


def test_unknown_meetings_and_missing_tokens_get_json_errors(
    client: Any, api_token: str, meeting: Meeting
) -> None:
    assert call(client, api_token, "post", "/api/v1/meetings/999999/cancel").status_code == 404
    assert call(client, api_token, "patch", "/api/v1/meetings/999999", {}).status_code == 404
    anonymous = client.post(f"/api/v1/meetings/{meeting.pk}/cancel")
    assert anonymous.status_code == 401 and fields(anonymous) == ["Authorization"]
    # The PATCH shares its path with the GET: both still answer.
    assert call(client, api_token, "get", f"/api/v1/meetings/{meeting.pk}").status_code == 200


@pytest.mark.urls("convener.urls")
def test_the_sites_own_api_serves_retry(client: Any, api_token: str, meeting: Meeting) -> None:
    answer = call(client, api_token, "post", f"/api/v1/meetings/{meeting.pk}/retry")
    assert answer.status_code == 200, answer.content


def test_the_openapi_document_describes_patch_cancel_and_retry(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert {"get", "patch"} <= set(paths["/api/v1/meetings/{meeting_id}"])
    assert "post" in paths["/api/v1/meetings/{meeting_id}/cancel"]
    assert "post" in paths["/api/v1/meetings/{meeting_id}/retry"]
    body = document["components"]["schemas"]["MeetingPatch"]["properties"]
    assert set(body) == {
        "start",
        "timezone",
        "duration_minutes",
        "title",
        "description",
        "join_url",
    }
