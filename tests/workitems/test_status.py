"""A job's status: the early ones follow from the job, Ready needs a time and every
resource confirmed, and an impossible move is refused with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from convener.crm.models import Contact
from convener.team.models import User
from convener.workitems import changes
from convener.workitems.models import AllocationState, JobStatus
from tests.workitems.support import berlin, new_job

pytestmark = pytest.mark.django_db


def test_a_job_without_a_time_is_queued_and_with_one_waits_for_a_resource(
    contact: Contact, resource: User
) -> None:
    job = changes.save_job(
        None,
        changes.JobFields(title="Visit", timezone="Europe/Berlin", contact=contact),
        by=None,
    )
    assert job.status == JobStatus.QUEUED
    start = berlin(3, 10)
    changes.save_job(
        job,
        changes.JobFields(
            title="Visit",
            timezone="Europe/Berlin",
            contact=contact,
            start=start,
            end=start + timedelta(hours=1),
        ),
        by=None,
    )
    assert job.status == JobStatus.PENDING_ALLOCATION
    changes.allocate(job, resource)
    assert job.status == JobStatus.PENDING_DISPATCH


def test_a_dispatched_job_is_ready_only_when_every_resource_has_confirmed(
    contact: Contact, resource: User
) -> None:
    second = User.objects.create_user("sam", "sam@example.com", "x")
    job = new_job(contact, resource)
    changes.allocate(job, second)
    changes.move_to(job, JobStatus.DISPATCHED)
    changes.respond(job, resource, AllocationState.CONFIRMED)
    assert job.status == JobStatus.DISPATCHED
    with pytest.raises(ValidationError) as refused:
        changes.move_to(job, JobStatus.READY)
    assert "1 of 2 resources have not confirmed yet" in refused.value.message_dict["status"][0]
    changes.respond(job, second, AllocationState.CONFIRMED)
    assert job.status == JobStatus.READY


def test_a_declined_resource_does_not_hold_the_job_back_but_the_last_one_does(
    contact: Contact, resource: User
) -> None:
    second = User.objects.create_user("sam", "sam@example.com", "x")
    job = new_job(contact, resource)
    changes.allocate(job, second)
    changes.move_to(job, JobStatus.DISPATCHED)
    changes.respond(job, second, AllocationState.DECLINED)
    changes.respond(job, resource, AllocationState.CONFIRMED)
    assert job.status == JobStatus.READY
    changes.respond(job, resource, AllocationState.DECLINED)
    assert job.status == JobStatus.PENDING_ALLOCATION


def test_an_unconfirmed_resource_added_to_a_ready_job_takes_it_back_to_dispatched(
    contact: Contact, resource: User
) -> None:
    job = new_job(contact, resource)
    changes.move_to(job, JobStatus.DISPATCHED)
    changes.respond(job, resource, AllocationState.CONFIRMED)
    changes.allocate(job, User.objects.create_user("sam", "sam@example.com", "x"))
    assert job.status == JobStatus.DISPATCHED


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        (JobStatus.COMPLETE, "a job cannot go from Pending Dispatch to Complete"),
        (JobStatus.IN_PROGRESS, "a job cannot go from Pending Dispatch to In Progress"),
        (JobStatus.QUEUED, "a job is Queued only while it has no start and end"),
        ("finished", "unknown status 'finished'"),
    ],
)
def test_an_impossible_move_is_refused_with_the_reason(
    contact: Contact, resource: User, target: str, reason: str
) -> None:
    job = new_job(contact, resource)
    with pytest.raises(ValidationError) as refused:
        changes.move_to(job, target)
    assert reason in refused.value.message_dict["status"][0]
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING_DISPATCH


def test_a_job_is_started_completed_and_then_changes_no_more(
    contact: Contact, resource: User
) -> None:
    job = new_job(contact, resource)
    changes.move_to(job, JobStatus.DISPATCHED)
    changes.respond(job, resource, AllocationState.CONFIRMED)
    changes.move_to(job, JobStatus.IN_PROGRESS)
    changes.move_to(job, JobStatus.COMPLETE)
    with pytest.raises(ValidationError) as refused:
        changes.move_to(job, JobStatus.CANCELLED)
    assert "its status cannot change any more" in refused.value.message_dict["status"][0]


def test_bad_times_are_refused_by_field_and_nothing_is_saved(contact: Contact) -> None:
    start = berlin(3, 10)
    with pytest.raises(ValidationError) as refused:
        changes.save_job(
            None,
            changes.JobFields(
                title=" ",
                timezone="Mars/Olympus",
                contact=contact,
                start=start,
                end=start - timedelta(minutes=5),
            ),
            by=None,
        )
    errors = refused.value.message_dict
    assert set(errors) == {"title", "timezone", "end"}
    assert errors["end"] == ["the end must be after the start"]
    assert not contact.jobs.exists()
