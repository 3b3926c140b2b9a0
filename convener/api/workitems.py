"""/api/v1/jobs: work items, their resources and their status. A job that reaches
Ready gets its meeting (convener.workitems.automation); the answer shows it as soon as
it exists.

Times: `start` and `end` are ISO 8601 date-times, with an offset (an instant) or
without (a wall time in the job's `timezone`)."""

# No `from __future__ import annotations` here: django-ninja reads the annotations of a
# @paginate view through its wrapper.

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from convener.api.auth import person
from convener.api.rows import Rows
from convener.api.schemas import RowId, unset
from convener.crm.models import Contact
from convener.scheduling.starts import StartOutOfRange, start_instant
from convener.team import access
from convener.team.models import User
from convener.timezones import zone_refusal
from convener.workitems import automation, changes
from convener.workitems.models import AllocationState, Job, JobStatus
from convener.workitems.permissions import find_job, require_change, visible_jobs

router = Router(tags=["jobs"])

PEOPLE_MAX = 100


class JobIn(Schema):
    title: str = Field(..., max_length=200)
    contact_id: RowId = Field(..., description="the primary contact")
    timezone: str = Field(..., max_length=64, description="IANA zone the job is planned in")
    start: datetime | None = Field(None, description="null or left out: not scheduled yet")
    end: datetime | None = None
    description: str = Field("", max_length=5000)
    attendee_ids: list[RowId] = Field(
        default_factory=list,
        max_length=PEOPLE_MAX,
        description="other client contacts: with any, the job is a group event",
    )
    resource_ids: list[RowId] = Field(
        default_factory=list, max_length=PEOPLE_MAX, description="team members (user ids)"
    )


class JobPatch(Schema):
    """Only the fields sent change. `start` and `end` null: the job is unscheduled."""

    title: str = unset()
    contact_id: RowId = unset()
    timezone: str = unset()
    start: datetime | None = None
    end: datetime | None = None
    description: str = unset()
    attendee_ids: list[RowId] = unset()
    resource_ids: list[RowId] = unset()


class StatusIn(Schema):
    status: JobStatus


class AllocateIn(Schema):
    user_id: RowId


class RespondIn(Schema):
    state: AllocationState
    user_id: RowId | None = Field(
        None, description="whose answer; left out: your own (as the allocated resource)"
    )


class AllocationOut(Schema):
    user_id: int
    username: str
    state: str


class JobMeetingOut(Schema):
    id: int
    state: str
    join_url: str
    passcode: str
    reason: str


class JobOut(Schema):
    id: int
    title: str
    description: str
    status: str
    contact_id: int
    attendee_ids: list[int]
    start: datetime | None
    end: datetime | None
    timezone: str
    allocations: list[AllocationOut]
    meeting: JobMeetingOut | None
    meeting_problem: str = Field(description="why the job has no meeting, if it should")
    created_at: datetime
    updated_at: datetime


def job_out(job: Job) -> dict[str, Any]:
    meeting = automation.meeting_of(job)
    return {
        "id": job.pk,
        "title": job.title,
        "description": job.description,
        "status": job.status,
        "contact_id": job.contact_id,
        "attendee_ids": [c.pk for c in job.attendees.all()],
        "start": job.start,
        "end": job.end,
        "timezone": job.timezone,
        "allocations": [
            {"user_id": a.resource_id, "username": a.resource.username, "state": a.state}
            for a in job.allocations.select_related("resource")
        ],
        "meeting": None
        if meeting is None
        else {
            "id": meeting.pk,
            "state": meeting.state,
            "join_url": meeting.join_url,
            "passcode": meeting.passcode,
            "reason": meeting.state_reason,
        },
        "meeting_problem": job.meeting_problem,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
    }


def _users(ids: list[int], field: str) -> list[User]:
    wanted = list(dict.fromkeys(ids))
    found = User.objects.filter(is_active=True).in_bulk(wanted)
    missing = [str(pk) for pk in wanted if pk not in found]
    if missing:
        raise ValidationError({field: f"no team member with id {', '.join(missing[:10])}"})
    return [found[pk] for pk in wanted]


def _contact(user: User, pk: int) -> Contact:
    (contact,) = access.find_contacts(user, [pk], field="contact_id")
    if refusal := access.schedule_refusal(user, contact):
        raise access.NotAllowed(refusal)
    return contact


def _instant(value: datetime | None, zone: str, field: str) -> datetime | None:
    if value is None or zone_refusal(zone):
        return None
    try:
        return start_instant(value, zone, timezone.now())[0]
    except StartOutOfRange as exc:
        raise ValidationError({field: str(exc)}) from None


def _fields(user: User, data: dict[str, Any], job: Job | None) -> changes.JobFields:
    zone = data.get("timezone", job.timezone if job else "")
    if problem := zone_refusal(zone):
        raise ValidationError({"timezone": problem})
    contact = _contact(user, data["contact_id"]) if "contact_id" in data else None
    if contact is None:
        assert job is not None
        contact = job.contact
    attendees = (
        access.find_contacts(user, data["attendee_ids"], field="attendee_ids")
        if "attendee_ids" in data
        else list(job.attendees.all() if job else [])
    )
    resources = _users(data["resource_ids"], "resource_ids") if "resource_ids" in data else None
    start, end = (job.start, job.end) if job else (None, None)
    if "start" in data:
        start = _instant(data["start"], zone, "start")
    if "end" in data:
        end = _instant(data["end"], zone, "end")
    return changes.JobFields(
        title=data.get("title", job.title if job else ""),
        timezone=zone,
        contact=contact,
        description=data.get("description", job.description if job else ""),
        start=start,
        end=end,
        attendees=attendees,
        resources=resources,
    )


@router.get("/jobs", response=list[JobOut])
@paginate
def list_jobs(
    request: HttpRequest, status: JobStatus | None = None, resource_id: RowId | None = None
) -> Rows[Job]:
    """The jobs you may see (those of contacts you see, and those you are allocated to),
    earliest first; filter by status and by resource."""
    jobs = visible_jobs(person(request))
    if status is not None:
        jobs = jobs.filter(status=status)
    if resource_id is not None:
        jobs = jobs.filter(allocations__resource_id=resource_id)
    return Rows(jobs.order_by("start", "id"), job_out)


@router.post("/jobs", response={201: JobOut})
def create_job(request: HttpRequest, payload: JobIn) -> Status[dict[str, Any]]:
    """A new job for a contact you may change; with start, end and resources it is
    Pending Dispatch."""
    user = person(request)
    data = payload.model_dump()
    job = changes.save_job(None, _fields(user, data, None), user)
    return Status(201, job_out(job))


@router.get("/jobs/{job_id}", response=JobOut)
def get_job(request: HttpRequest, job_id: RowId) -> dict[str, Any]:
    return job_out(find_job(person(request), job_id))


@router.patch("/jobs/{job_id}", response=JobOut)
def update_job(request: HttpRequest, job_id: RowId, payload: JobPatch) -> dict[str, Any]:
    """Change a job; moving its time moves its meeting (an update with the next
    SEQUENCE)."""
    user = person(request)
    job = find_job(user, job_id)
    require_change(user, job)
    data = payload.model_dump(include=payload.model_fields_set)
    return job_out(changes.save_job(job, _fields(user, data, job), user))


@router.post("/jobs/{job_id}/status", response=JobOut)
def move_job(request: HttpRequest, job_id: RowId, payload: StatusIn) -> dict[str, Any]:
    """Move the job: dispatched, in_progress, complete, cancelled … An impossible move is
    refused (422) with the reason; cancelling cancels its meeting."""
    user = person(request)
    job = find_job(user, job_id)
    require_change(user, job)
    return job_out(changes.move_to(job, payload.status))


@router.post("/jobs/{job_id}/allocations", response=JobOut)
def allocate(request: HttpRequest, job_id: RowId, payload: AllocateIn) -> dict[str, Any]:
    """Allocate a team member (pending until they confirm)."""
    user = person(request)
    job = find_job(user, job_id)
    require_change(user, job)
    (resource,) = _users([payload.user_id], "user_id")
    changes.allocate(job, resource)
    return job_out(job)


@router.post("/jobs/{job_id}/allocations/respond", response=JobOut)
def respond(request: HttpRequest, job_id: RowId, payload: RespondIn) -> dict[str, Any]:
    """A resource confirms or declines; a job dispatched and confirmed by all is Ready.
    Answering for someone else needs the permission to change the job."""
    user = person(request)
    job = find_job(user, job_id)
    resource = user
    if payload.user_id is not None and payload.user_id != user.pk:
        require_change(user, job)
        (resource,) = _users([payload.user_id], "user_id")
    elif not job.allocations.filter(resource=user).exists():
        raise access.NotAllowed("Only the job's resources answer for themselves.")
    changes.respond(job, resource, payload.state)
    return job_out(job)
