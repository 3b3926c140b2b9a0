"""Every change of a job goes through here (the pages, the API): it is validated,
saved in one transaction, its status settled, and its meeting brought in line when
the transaction commits (convener.workitems.automation).

Bad input raises ValidationError keyed by field, with nothing saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from convener.crm.models import Contact
from convener.team.models import User
from convener.timezones import zone_refusal
from convener.workitems import automation
from convener.workitems.models import Allocation, AllocationState, Job, JobStatus
from convener.workitems.status import FINAL, settled_status, transition_problem

LONGEST_JOB = timedelta(days=14)


@dataclass
class JobFields:
    """What a scheduler types for a job. `start` and `end` are aware instants (a form
    reads them in `timezone` first), or both None for a job not scheduled yet."""

    title: str
    timezone: str
    contact: Contact
    description: str = ""
    start: datetime | None = None
    end: datetime | None = None
    attendees: Iterable[Contact] = ()
    resources: Iterable[User] | None = None  # None: leave the allocations as they are


def problems(fields: JobFields) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not fields.title.strip():
        errors["title"] = "a title is required"
    elif len(fields.title) > 200 or "\n" in fields.title:
        errors["title"] = "a title is one line of at most 200 characters"
    if refusal := zone_refusal(fields.timezone):
        errors["timezone"] = refusal
    if (fields.start is None) != (fields.end is None):
        errors["end" if fields.start else "start"] = "give both a start and an end, or neither"
    elif fields.start is not None and fields.end is not None:
        if fields.end <= fields.start:
            errors["end"] = "the end must be after the start"
        elif fields.end - fields.start > LONGEST_JOB:
            errors["end"] = "a job lasts at most 14 days"
    return errors


@contextmanager
def _changing(job: Job) -> Iterator[Job]:
    """The job for a change; when the block ends its status is settled and saved, and
    its meeting follows on commit."""
    was = (job.status, (job.start, job.end, job.timezone))
    with transaction.atomic():
        yield job
        if job.pk is None:
            job.save()
        job.status = settled_status(job)
        job.save()
        transaction.on_commit(partial(automation.follow, job, was_status=was[0], was_times=was[1]))


def _refuse_final(job: Job) -> None:
    if job.status in FINAL:
        label = JobStatus(job.status).label
        raise ValidationError({"status": f"the job is {label}: it cannot be changed any more"})


def save_job(job: Job | None, fields: JobFields, by: User | None) -> Job:
    """Create (`job` None) or change a job."""
    if job is not None:
        _refuse_final(job)
    errors = problems(fields)
    if errors:
        raise ValidationError(errors)
    if job is None:
        job = Job(created_by=by)
    with _changing(job):
        job.title = fields.title.strip()
        job.description = fields.description.strip()
        job.timezone = fields.timezone
        job.contact = fields.contact
        job.start, job.end = fields.start, fields.end
        job.save()
        job.attendees.set([c for c in fields.attendees if c.pk != fields.contact.pk])
        if fields.resources is not None:
            _allocate(job, fields.resources)
    return job


def _allocate(job: Job, resources: Iterable[User]) -> None:
    wanted = {u.pk: u for u in resources}
    job.allocations.exclude(resource_id__in=wanted).delete()
    have = set(job.allocations.values_list("resource_id", flat=True))
    Allocation.objects.bulk_create(
        [Allocation(job=job, resource=u) for pk, u in wanted.items() if pk not in have]
    )


def allocate(job: Job, resource: User) -> Allocation:
    """Add a resource to the job (pending until they confirm)."""
    _refuse_final(job)
    with _changing(job):
        allocation, _ = Allocation.objects.get_or_create(job=job, resource=resource)
    return allocation


def unallocate(job: Job, resource: User) -> None:
    _refuse_final(job)
    with _changing(job):
        job.allocations.filter(resource=resource).delete()


def respond(job: Job, resource: User, state: str) -> Allocation:
    """A resource confirms or declines (or is set back to pending)."""
    _refuse_final(job)
    if state not in AllocationState.values:
        known = ", ".join(AllocationState.values)
        raise ValidationError({"state": f"unknown allocation state {state!r}; one of {known}"})
    allocation = job.allocations.filter(resource=resource).first()
    if allocation is None:
        raise ValidationError({"resource": f"{resource.display_name} is not allocated to this job"})
    with _changing(job):
        allocation.state = state
        allocation.save()
    return allocation


def move_to(job: Job, target: str) -> Job:
    """Move the job to `target` by hand (Dispatch, Start, Complete, Cancel …)."""
    problem = transition_problem(job, target)
    if problem:
        raise ValidationError({"status": problem})
    with _changing(job):
        job.status = target
        if target in {JobStatus.PENDING_DISPATCH, JobStatus.PENDING_ALLOCATION, JobStatus.QUEUED}:
            # Taken back to before dispatch: the resources are asked again.
            job.allocations.update(state=AllocationState.PENDING)
    return job
