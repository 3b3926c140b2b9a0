"""The incoming status webhook: a signed call moves a job, or records a resource's
answer; an unsigned or wrongly signed call changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from convener.crm.models import Contact
from convener.team.models import User
from convener.workitems.models import Job, JobStatus, MeetingAutomation
from convener.workitems.webhook import signature
from tests.workitems.support import configure, new_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(db: Any) -> MeetingAutomation:
    settings = MeetingAutomation.current()
    settings.renew_webhook()
    return settings


def call(client: Client, hook: MeetingAutomation, body: Any, secret: str | None = None) -> Any:
    raw = json.dumps(body).encode()
    return client.post(
        f"/hooks/jobs/{hook.webhook_key}/",
        raw,
        content_type="application/json",
        headers={"X-Convener-Signature": signature(secret or hook.webhook_secret, raw)},
    )


def test_a_signed_call_dispatches_and_the_resources_answer_makes_the_job_ready(
    client: Client,
    hook: MeetingAutomation,
    contact: Contact,
    resource: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    configure(provider="jitsi", enabled=True)
    job = new_job(contact, resource)
    answer = call(client, hook, {"job_id": job.pk, "status": "dispatched"})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"job_id": job.pk, "status": "dispatched"}
    with django_capture_on_commit_callbacks(execute=True):
        answer = call(client, hook, {"job_id": job.pk, "resource": "rita", "state": "confirmed"})
    assert answer.json()["status"] == "ready"
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    assert job.meeting_problem == ""


def test_a_wrong_signature_or_key_changes_nothing(
    client: Client, hook: MeetingAutomation, contact: Contact, resource: User
) -> None:
    job = new_job(contact, resource)
    refused = call(client, hook, {"job_id": job.pk, "status": "dispatched"}, secret="guess")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["field"] == "X-Convener-Signature"
    assert client.post("/hooks/jobs/not-the-key/", {}).status_code == 404
    assert Job.objects.get(pk=job.pk).status == JobStatus.PENDING_DISPATCH


def test_an_impossible_move_is_refused_naming_the_reason(
    client: Client, hook: MeetingAutomation, contact: Contact, resource: User
) -> None:
    job = new_job(contact, resource)
    answer = call(client, hook, {"job_id": job.pk, "status": "complete"})
    assert answer.status_code == 422
    (error,) = answer.json()["errors"]
    assert error["field"] == "status" and "cannot go from Pending Dispatch" in error["message"]
    assert call(client, hook, {"job_id": "x"}).json()["errors"][0]["field"] == "job_id"
    assert call(client, hook, ["not", "an", "object"]).status_code == 422


def test_a_flood_of_calls_is_answered_429(
    client: Client, hook: MeetingAutomation, settings: Any, monkeypatch: Any
) -> None:
    from django.core.cache import cache

    from convener.workitems import throttle

    cache.clear()
    monkeypatch.setattr(throttle, "CALLS_PER_WINDOW", 2)
    answers = [call(client, hook, {"job_id": 1}).status_code for _ in range(3)]
    assert answers == [422, 422, 429]
    assert client.get("/calendar/no-such-feed/jobs.ics").status_code == 404
    cache.clear()
