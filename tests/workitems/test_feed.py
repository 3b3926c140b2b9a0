"""A resource's calendar feed: valid iCalendar with zones, stable UIDs and a refresh
interval, the link and passcode in the event, and the job's moves and cancellation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from icalendar import Calendar

from convener.crm.models import Contact
from convener.team.models import User
from convener.workitems import changes
from convener.workitems.models import FeedToken, JobStatus
from tests.scheduling.support import BERLIN, run
from tests.workitems.support import berlin, configure, make_ready, new_job

pytestmark = pytest.mark.django_db


def feed(client: Client, secret: str) -> Calendar:
    answer = client.get(f"/calendar/{secret}/jobs.ics")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(answer.content)


def test_the_feed_lists_the_job_with_its_link_and_follows_a_move_and_a_cancel(
    client: Client, contact: Contact, resource: User, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    configure(provider="jitsi", enabled=True, passcode="")
    job = new_job(contact, resource)
    meeting = make_ready(job, resource, capture)
    assert meeting is not None
    secret = FeedToken.issue(resource).secret

    calendar = feed(client, secret)
    assert str(calendar["VERSION"]) == "2.0" and "METHOD" not in calendar
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(minutes=15)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Berlin"
    (event,) = calendar.walk("VEVENT")
    uid = str(event["UID"])
    assert event.decoded("DTSTART") == job.start
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert str(event["LOCATION"]) == meeting.join_url
    assert meeting.join_url in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"

    new_start = berlin(12, 16)
    with capture(execute=True):
        changes.save_job(
            job,
            changes.JobFields(
                title=job.title,
                timezone="Europe/Berlin",
                contact=contact,
                start=new_start,
                end=new_start + timedelta(hours=1),
            ),
            by=None,
        )
    run(meeting)
    (moved,) = feed(client, secret).walk("VEVENT")
    assert str(moved["UID"]) == uid  # the same event, updated in place
    assert moved.decoded("DTSTART") == new_start.astimezone(BERLIN)
    assert moved.decoded("SEQUENCE") > event.decoded("SEQUENCE")

    with capture(execute=True):
        changes.move_to(job, JobStatus.CANCELLED)
    run(meeting)
    (cancelled,) = feed(client, secret).walk("VEVENT")
    assert str(cancelled["UID"]) == uid and str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.decoded("SEQUENCE") > moved.decoded("SEQUENCE")
    assert "LOCATION" not in cancelled


def test_the_passcode_is_in_the_event(
    client: Client, contact: Contact, resource: User, django_capture_on_commit_callbacks: Any
) -> None:
    configure(provider="jitsi", enabled=True)
    job = new_job(contact, resource)
    meeting = make_ready(job, resource, django_capture_on_commit_callbacks)
    assert meeting is not None
    meeting.passcode = "4711"
    meeting.save()
    (event,) = feed(client, FeedToken.issue(resource).secret).walk("VEVENT")
    assert "Passcode: 4711" in str(event["DESCRIPTION"])


def test_a_renewed_or_revoked_url_stops_working(client: Client, resource: User) -> None:
    client.force_login(resource)
    client.post("/jobs/calendar/change/", {"action": "renew"})
    first = FeedToken.objects.get(user=resource).secret
    assert first in client.get("/jobs/calendar/").content.decode()
    client.post("/jobs/calendar/change/", {"action": "renew"})
    second = FeedToken.objects.get(user=resource).secret
    assert client.get(f"/calendar/{first}/jobs.ics").status_code == 404
    assert client.get(f"/calendar/{second}/jobs.ics").status_code == 200
    client.post("/jobs/calendar/change/", {"action": "revoke"})
    assert client.get(f"/calendar/{second}/jobs.ics").status_code == 404
