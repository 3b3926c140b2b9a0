"""/api/v1/jobs: the seed's lifecycle through the API, and refusals by field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from convener.crm.models import Contact
from convener.team.models import ApiToken, User
from tests.scheduling.support import run
from tests.workitems.support import configure

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_resource(client: Client, resource: User) -> Callable[[str, str, Any], Any]:
    token = ApiToken.issue(resource, "phone")[1]

    def call(method: str, path: str, body: Any = None) -> Any:
        return client.generic(
            method,
            f"/api/v1{path}",
            "" if body is None else __import__("json").dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


def test_create_dispatch_accept_ready_with_link_then_move_and_cancel(
    api_post: Callable[[str, Any], Any],
    client: Client,
    api_token: str,
    contact: Contact,
    resource: User,
    as_resource: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    configure(provider="jitsi", enabled=True)
    capture = django_capture_on_commit_callbacks
    made = api_post(
        "/jobs",
        {
            "title": "Remote survey",
            "contact_id": contact.pk,
            "timezone": "Europe/Berlin",
            "start": "2031-06-02T09:00",
            "end": "2031-06-02T10:00",
            "resource_ids": [resource.pk],
        },
    )
    assert made.status_code == 201, made.content
    job = made.json()
    assert job["status"] == "pending_dispatch" and job["start"].startswith("2031-06-02T07:00")
    dispatched = api_post(f"/jobs/{job['id']}/status", {"status": "dispatched"})
    assert dispatched.json()["status"] == "dispatched"
    with capture(execute=True):
        ready = as_resource(
            "POST", f"/jobs/{job['id']}/allocations/respond", {"state": "confirmed"}
        )
    assert ready.status_code == 200, ready.content
    assert ready.json()["status"] == "ready"
    # The meeting is made when the answer commits: the next read shows it.
    meeting = as_resource("GET", f"/jobs/{job['id']}").json()["meeting"]
    assert meeting is not None
    from convener.meetings.models import Meeting

    run(Meeting.objects.get(pk=meeting["id"]))
    seen = client.get(
        f"/api/v1/jobs/{job['id']}", headers={"Authorization": f"Bearer {api_token}"}
    ).json()
    assert seen["meeting"]["join_url"].startswith("https://")

    with capture(execute=True):
        moved = client.patch(
            f"/api/v1/jobs/{job['id']}",
            {"start": "2031-06-03T11:00", "end": "2031-06-03T12:00"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {api_token}"},
        )
    assert moved.status_code == 200, moved.content
    assert Meeting.objects.get(pk=meeting["id"]).sequence == 1
    with capture(execute=True):
        cancelled = api_post(f"/jobs/{job['id']}/status", {"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled"
    assert Meeting.objects.get(pk=meeting["id"]).cancel_requested


def test_refusals_name_the_field(
    api_post: Callable[[str, Any], Any], contact: Contact, resource: User
) -> None:
    answer = api_post(
        "/jobs",
        {
            "title": "X",
            "contact_id": contact.pk,
            "timezone": "Europe/Berlin",
            "start": "2031-06-02T10:00",
            "end": "2031-06-02T09:00",
            "resource_ids": [999999],
        },
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "resource_ids"
    answer = api_post(
        "/jobs",
        {
            "title": "X",
            "contact_id": contact.pk,
            "timezone": "Europe/Berlin",
            "start": "2031-06-02T10:00",
            "end": "2031-06-02T09:00",
        },
    )
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"end"}
    job = api_post(
        "/jobs", {"title": "Y", "contact_id": contact.pk, "timezone": "Europe/Berlin"}
    ).json()
    refused = api_post(f"/jobs/{job['id']}/status", {"status": "complete"})
    assert refused.status_code == 422
    assert "a job cannot go from Queued to Complete" in refused.json()["errors"][0]["message"]
