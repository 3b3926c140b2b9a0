"""A job that reaches Ready gets one meeting at the organization's provider; moving the
job moves the meeting, cancelling it cancels the meeting; on every provider's fake."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.team.models import User
from convener.workitems import automation, changes
from convener.workitems.models import AllocationState, JobStatus
from tests.conftest import Inbox
from tests.scheduling.support import BERLIN, CONTACT, invites, run
from tests.workitems.support import authorize, berlin, configure, make_ready, new_job

pytestmark = pytest.mark.django_db

GUEST = "gina@client.example"


@pytest.fixture
def guest(member: User) -> Contact:
    return Contact.objects.create(email=GUEST, first_name="Gina", owner=member)


def test_a_ready_job_gets_one_meeting_that_follows_a_move_and_a_cancel(
    client: Any,
    admin: User,
    contact: Contact,
    resource: User,
    provider: str,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    authorize(client, admin, provider)
    job = new_job(contact, resource)
    assert automation.meeting_of(job) is None  # not Ready yet: no meeting

    meeting = make_ready(job, resource, capture)
    assert meeting is not None
    assert meeting.state == "invited", meeting.state_reason
    assert meeting.join_url and meeting.provider == provider
    assert (meeting.trigger, meeting.trigger_source) == ("work_item", str(job.pk))
    assert meeting.start == job.start and meeting.end == job.end
    assert meeting.timezone == "Europe/Berlin"
    (first,) = invites(smtp_server, CONTACT)
    assert first.location == meeting.join_url and first.sequence == 0

    # Running the automation again finds the same meeting.
    with capture(execute=True):
        automation.create_meeting(job)
        changes.respond(job, resource, AllocationState.CONFIRMED)
    assert Meeting.objects.filter(trigger_source=str(job.pk)).count() == 1

    new_start = berlin(11, 14)
    with capture(execute=True):
        changes.save_job(
            job,
            changes.JobFields(
                title=job.title,
                timezone=job.timezone,
                contact=contact,
                start=new_start,
                end=new_start + timedelta(minutes=90),
            ),
            by=None,
        )
    run(meeting)
    assert meeting.sequence == 1 and meeting.state == "invited", meeting.state_reason
    moved = invites(smtp_server, CONTACT)[-1]
    assert (moved.method, moved.sequence, moved.uid) == ("REQUEST", 1, first.uid)
    assert moved.start == new_start.astimezone(BERLIN)
    assert moved.end - moved.start == timedelta(minutes=90)

    with capture(execute=True):
        changes.move_to(job, JobStatus.CANCELLED)
    run(meeting)
    assert meeting.state == "cancelled", meeting.state_reason
    cancelled = invites(smtp_server, CONTACT)[-1]
    assert (cancelled.method, cancelled.sequence, cancelled.uid) == ("CANCEL", 2, first.uid)


def test_with_send_ics_off_nobody_is_emailed_and_the_link_is_still_made(
    client: Any,
    admin: User,
    contact: Contact,
    resource: User,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    authorize(client, admin, "jitsi")
    configure(send_ics=False)
    job = new_job(contact, resource)
    meeting = make_ready(job, resource, django_capture_on_commit_callbacks)
    assert meeting is not None and meeting.join_url
    assert smtp_server.messages == []


@pytest.mark.parametrize("attendees_on", [True, False])
def test_attendees_are_invited_only_with_enable_attendees(
    client: Any,
    admin: User,
    contact: Contact,
    guest: Contact,
    resource: User,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
    attendees_on: bool,
) -> None:
    authorize(client, admin, "jitsi")
    configure(enable_attendees=attendees_on)
    job = new_job(contact, resource, attendees=[guest])
    assert job.is_group_event
    meeting = make_ready(job, resource, django_capture_on_commit_callbacks)
    assert meeting is not None
    assert len(invites(smtp_server, CONTACT)) == 1
    assert len(invites(smtp_server, GUEST)) == (1 if attendees_on else 0)


def test_without_a_provider_a_ready_job_says_why_it_has_no_meeting(
    contact: Contact, resource: User, django_capture_on_commit_callbacks: Any
) -> None:
    job = new_job(contact, resource)
    assert make_ready(job, resource, django_capture_on_commit_callbacks) is None
    job.refresh_from_db()
    assert job.meeting_problem == automation.NO_PROVIDER


def test_removing_the_provider_leaves_existing_links_and_makes_no_new_meetings(
    client: Any,
    admin: User,
    contact: Contact,
    resource: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    authorize(client, admin, "jitsi")
    first = make_ready(new_job(contact, resource), resource, django_capture_on_commit_callbacks)
    assert first is not None
    link = first.join_url
    configure(provider="")
    second_job = new_job(contact, resource)
    assert make_ready(second_job, resource, django_capture_on_commit_callbacks) is None
    first.refresh_from_db()
    assert first.join_url == link and first.state == "invited"
    second_job.refresh_from_db()
    assert "No virtual meeting provider" in second_job.meeting_problem


def test_a_job_leaving_ready_keeps_its_meeting_unless_the_option_says_otherwise(
    client: Any,
    admin: User,
    contact: Contact,
    resource: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    authorize(client, admin, "jitsi")
    kept = new_job(contact, resource)
    meeting = make_ready(kept, resource, capture)
    with capture(execute=True):
        changes.move_to(kept, JobStatus.PENDING_DISPATCH)
    assert meeting is not None
    meeting.refresh_from_db()
    assert not meeting.cancel_requested

    configure(cancel_when_unready=True)
    job = new_job(contact, resource)
    first = make_ready(job, resource, capture)
    with capture(execute=True):
        changes.move_to(job, JobStatus.PENDING_DISPATCH)
    assert first is not None
    first.refresh_from_db()
    assert first.cancel_requested
    # Ready again: a new meeting, not the cancelled one.
    second = make_ready(job, resource, capture)
    assert second is not None and second.pk != first.pk


def test_deleting_the_contact_cancels_the_jobs_meeting_and_deletes_the_job(
    client: Any,
    admin: User,
    member: User,
    contact: Contact,
    resource: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from convener.scheduling.removal import delete_contacts
    from convener.workitems.models import Job

    authorize(client, admin, "jitsi")
    job = new_job(contact, resource)
    meeting = make_ready(job, resource, django_capture_on_commit_callbacks)
    assert meeting is not None
    outcome = delete_contacts(member, Contact.objects.filter(pk=contact.pk))
    assert outcome.deleted and outcome.cancelled == 1
    assert not Job.objects.filter(pk=job.pk).exists()
    meeting.refresh_from_db()
    assert meeting.cancel_requested


def test_zoom_meetings_get_the_automations_password(
    client: Any,
    admin: User,
    contact: Contact,
    resource: User,
    zoom: Any,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    authorize(client, admin, "zoom")
    configure(passcode="k3y9")
    meeting = make_ready(new_job(contact, resource), resource, django_capture_on_commit_callbacks)
    assert meeting is not None and meeting.passcode == "k3y9"
    (invitation,) = invites(smtp_server, CONTACT)
    assert "Passcode: k3y9" in invitation.description
