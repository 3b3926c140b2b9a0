"""Jobs for the tests: a client contact, a resource, an administrator who authorizes
the organization's provider at a fake, and the steps of the seed's lifecycle."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import httpx2
from django.utils import timezone

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.team.models import User
from convener.workitems import automation, changes
from convener.workitems.models import AllocationState, Job, JobStatus, MeetingAutomation
from tests.connections.support import connect_through_oauth
from tests.scheduling.support import BERLIN, fast, in_days, run

ORG_ACCOUNT = "scheduling@example.com"


def authorize(client: Any, admin: User, slug: str) -> Connection | None:
    """The administrator authorizes `slug` for the organization (at its fake's consent
    page) and enables the automation; Jitsi needs no account."""
    connection = None
    if slug != "jitsi":
        client.force_login(admin)
        if slug == "google_meet":
            _consent_with_scopes(client)
        else:
            answer = connect_through_oauth(client, slug, ORG_ACCOUNT, level="organization")
            assert answer.status_code == 302, answer.content
        connection = fast(Connection.objects.get(provider=slug, level="organization"))
    configure(provider=slug, enabled=True)
    return connection


def _consent_with_scopes(client: Any) -> None:
    """Google's consent page lists its scopes: tick them all and Allow."""
    started = client.post("/connections/google_meet/connect/", {"level": "organization"})
    assert started.status_code == 302, started.content
    page = httpx2.get(started.url)
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    scopes = re.findall(r'<input type="checkbox" name="scope" value="([^"]+)" checked>', page.text)
    base = "{0.scheme}://{0.netloc}".format(urlsplit(started.url))
    answer = httpx2.post(
        base + action, data={**hidden, "email": ORG_ACCOUNT, "action": "allow", "scope": scopes}
    )
    back = urlsplit(answer.headers["location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 302


def configure(**values: Any) -> MeetingAutomation:
    settings = MeetingAutomation.current()
    for name, value in values.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def berlin(days: int, hour: int, minute: int = 0) -> datetime:
    return in_days(days, hour, minute).replace(tzinfo=BERLIN)


def new_job(
    contact: Contact, resource: User | None, *, attendees: list[Contact] | None = None
) -> Job:
    start = berlin(10, 9)
    return changes.save_job(
        None,
        changes.JobFields(
            title="Boiler inspection",
            description="Remote walkthrough of the boiler room.",
            timezone="Europe/Berlin",
            contact=contact,
            start=start,
            end=start + timedelta(hours=1),
            attendees=attendees or [],
            resources=[resource] if resource else [],
        ),
        by=None,
    )


def make_ready(job: Job, resource: User, capture: Any) -> Meeting | None:
    """Dispatch the job, the resource accepts: Ready; the worker makes the link."""
    with capture(execute=True):
        changes.move_to(job, JobStatus.DISPATCHED)
        changes.respond(job, resource, AllocationState.CONFIRMED)
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    meeting = automation.meeting_of(job)
    if meeting is not None:
        run(meeting)
    return meeting


def now() -> datetime:
    return timezone.now()
