"""The jobs pages as a scheduler, a resource and an administrator use them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from convener.crm.models import Contact
from convener.team.models import User
from convener.workitems import automation, changes
from convener.workitems.models import Job, JobStatus, MeetingAutomation
from tests.scheduling.support import run
from tests.workitems.support import authorize, configure, make_ready, new_job

pytestmark = pytest.mark.django_db


def test_a_scheduler_creates_a_job_read_in_the_zone_they_picked(
    logged_in: Client, contact: Contact, resource: User
) -> None:
    answer = logged_in.post(
        "/jobs/new/",
        {
            "title": "Install check",
            "contact": "BOB@example.org",
            "start": "2031-03-30T09:00",
            "end": "2031-03-30T10:30",
            "timezone": "America/New_York",
            "resources": [resource.pk],
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    job = Job.objects.get()
    assert job.local_start is not None and job.local_start.hour == 9
    assert str(job.local_start.tzinfo) == "America/New_York"
    assert job.duration_minutes == 90
    assert job.status == JobStatus.PENDING_DISPATCH
    page = logged_in.get(answer["Location"]).content.decode()
    assert "Install check" in page and "Pending Dispatch" in page and "Rita" in page


def test_bad_input_is_named_next_to_its_field_and_nothing_is_saved(
    logged_in: Client, contact: Contact
) -> None:
    answer = logged_in.post(
        "/jobs/new/",
        {
            "title": "Install check",
            "contact": "nobody@example.org",
            "start": "2031-03-30T11:00",
            "end": "2031-03-30T10:00",
            "timezone": "Europe/Berlin",
            "attendees": "not-an-email",
        },
    )
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'data-field="contact"' in page and "no contact with the email" in page
    assert 'data-field="attendees"' in page
    assert not Job.objects.exists()
    answer = logged_in.post(
        "/jobs/new/",
        {
            "title": "Install check",
            "contact": contact.email,
            "start": "2031-03-30T11:00",
            "end": "2031-03-30T10:00",
            "timezone": "Europe/Berlin",
        },
    )
    assert 'data-field="end"' in answer.content.decode()
    assert "the end must be after the start" in answer.content.decode()
    assert not Job.objects.exists()


def test_the_list_filters_by_status_day_and_resource(
    logged_in: Client, contact: Contact, resource: User
) -> None:
    job = new_job(contact, resource)
    other = changes.save_job(
        None, changes.JobFields(title="Later", timezone="UTC", contact=contact), by=None
    )
    assert job.local_start is not None
    day = job.local_start.date()  # the member's zone is Berlin, as the job's
    listed = logged_in.get("/jobs/", {"status": "pending_dispatch"}).content.decode()
    assert "Boiler inspection" in listed and "Later" not in listed
    listed = logged_in.get("/jobs/", {"date": day.isoformat()}).content.decode()
    assert "Boiler inspection" in listed and other.title not in listed
    listed = logged_in.get("/jobs/", {"resource": resource.pk}).content.decode()
    assert "Boiler inspection" in listed and "Later" not in listed
    listed = logged_in.get("/jobs/", {"status": "done", "date": "soon"}).content.decode()
    assert "there is no status" in listed and "pick a date" in listed


def test_a_job_page_warns_when_no_provider_is_configured(
    logged_in: Client, contact: Contact, resource: User
) -> None:
    job = new_job(contact, resource)
    page = logged_in.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-role="no-provider"' in page
    configure(provider="jitsi", enabled=True)
    page = logged_in.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-role="no-provider"' not in page


def test_the_meeting_panel_polls_until_the_link_is_there_and_then_shows_it(
    client: Client,
    admin: User,
    member: User,
    contact: Contact,
    resource: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    authorize(client, admin, "jitsi")
    job = new_job(contact, resource)
    client.force_login(member)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "A meeting is made when the job is Ready" in page
    meeting = make_ready(job, resource, django_capture_on_commit_callbacks)
    assert meeting is not None
    panel = client.get(f"/jobs/{job.pk}/meeting/", headers={"HX-Request": "true"})
    text = panel.content.decode()
    assert meeting.join_url in text and 'data-role="job-link"' in text
    assert "every 2s" not in text  # settled: it stops asking


def test_a_resource_accepts_on_the_phone_view_and_the_job_becomes_ready(
    client: Client, contact: Contact, resource: User, django_capture_on_commit_callbacks: Any
) -> None:
    configure(provider="jitsi", enabled=True)
    job = new_job(contact, resource)
    changes.move_to(job, JobStatus.DISPATCHED)
    client.force_login(resource)
    mine = client.get("/jobs/mine/").content.decode()
    assert "Boiler inspection" in mine and "Accept" in mine
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/jobs/{job.pk}/respond/", {"state": "confirmed", "back": "mine"})
    assert answer.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    meeting = automation.meeting_of(job)
    assert meeting is not None
    run(meeting)  # the worker makes the link
    mine = client.get("/jobs/mine/").content.decode()
    assert 'data-role="job-link"' in mine and "Join meeting" in mine


def test_the_configuration_page_chooses_enables_and_removes_after_confirming(
    client: Client, admin: User
) -> None:
    client.force_login(admin)
    page = client.get("/virtual-meetings/").content.decode()
    assert 'data-role="no-provider"' in page
    client.post("/virtual-meetings/provider/", {"provider": "jitsi"})
    assert MeetingAutomation.current().provider == "jitsi"
    refused = client.post("/virtual-meetings/automation/", {"enabled": "on", "send_ics": "on"})
    assert "Confirm the settings above" in refused.content.decode()
    assert not MeetingAutomation.current().enabled
    client.post(
        "/virtual-meetings/automation/",
        {"enabled": "on", "send_ics": "on", "enable_attendees": "on", "confirm": "on"},
    )
    settings = MeetingAutomation.current()
    assert settings.enabled and settings.enable_attendees
    client.post("/virtual-meetings/automation/", {"enabled": "off"})
    settings = MeetingAutomation.current()
    assert not settings.enabled and settings.enable_attendees  # kept
    asked = client.post("/virtual-meetings/provider/remove/", {}).content.decode()
    assert "Yes, remove the provider" in asked
    assert MeetingAutomation.current().provider == "jitsi"
    client.post("/virtual-meetings/provider/remove/", {"confirm": "yes"})
    assert MeetingAutomation.current().provider == ""
