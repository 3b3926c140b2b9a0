"""The jobs pages: the list with its filters, a job's page, the create and edit form,
the status buttons, a resource's answer, and the meeting panel that reloads itself."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from convener.meetings.phases import settled
from convener.team import access
from convener.team.models import User
from convener.workitems import automation, changes
from convener.workitems.forms import JobForm
from convener.workitems.models import AllocationState, Job, JobStatus, MeetingAutomation
from convener.workitems.permissions import (
    find_job,
    is_resource,
    may_change,
    require_change,
    visible_jobs,
)
from convener.workitems.status import FINAL, TRANSITIONS

# The buttons a job page offers, by the status they move to.
MOVES = {
    JobStatus.DISPATCHED: "Dispatch",
    JobStatus.IN_PROGRESS: "Start",
    JobStatus.COMPLETE: "Complete",
    JobStatus.PENDING_DISPATCH: "Take back",
    JobStatus.CANCELLED: "Cancel job",
}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def filtered(request: HttpRequest, jobs: QuerySet[Job]) -> tuple[QuerySet[Job], dict[str, Any]]:
    """The jobs narrowed by the list's filters: status, a day (in the viewer's zone) and
    a resource. A filter value that means nothing is named, not ignored silently."""
    status = request.GET.get("status", "")
    day_text = request.GET.get("date", "")
    resource = request.GET.get("resource", "")
    problems = []
    if status:
        if status in JobStatus.values:
            jobs = jobs.filter(status=status)
        else:
            problems.append(f"Status: there is no status {status!r}.")
    if day_text:
        day = _day(day_text)
        if day is None or not date(2000, 1, 1) <= day <= date(9000, 1, 1):
            problems.append("Date: pick a date such as 2026-05-04.")
        else:
            zone = timezone.get_current_timezone()
            start = datetime.combine(day, time(), zone)
            jobs = jobs.filter(start__gte=start, start__lt=start + timedelta(days=1))
    if resource:
        if resource.isdigit():
            jobs = jobs.filter(allocations__resource_id=int(resource))
        else:
            problems.append("Resource: choose a team member from the list.")
    return jobs, {"status": status, "date": day_text, "resource": resource, "problems": problems}


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs, chosen = filtered(request, visible_jobs(request.user))
    page = Paginator(jobs.prefetch_related("allocations__resource"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "workitems/list.html",
        {
            "page": page,
            "chosen": chosen,
            "statuses": JobStatus.choices,
            "resources": User.objects.filter(is_active=True).order_by("first_name", "username"),
            "may_add": access.editable_contacts(request.user).exists(),
        },
    )


def _meeting_context(job: Job) -> dict[str, Any]:
    meeting = automation.meeting_of(job)
    settings = MeetingAutomation.current()
    # Dispatched: a resource may confirm any moment, and the link follows at once.
    waiting = (
        job.status in {JobStatus.DISPATCHED, JobStatus.READY}
        and meeting is None
        and not job.meeting_problem
    )
    return {
        "job": job,
        "meeting": meeting,
        "no_provider": automation.provider_missing(settings),
        "automation_off": not settings.enabled,
        # Reload until the link exists and nothing more changes on its own.
        "polling": waiting or (meeting is not None and not settled(meeting)),
    }


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = find_job(request.user, pk)
    context = _meeting_context(job)
    allocations = list(job.allocations.select_related("resource"))
    mine = next((a for a in allocations if a.resource_id == request.user.pk), None)
    may = may_change(request.user, job)
    context.update(
        allocations=allocations,
        mine=mine,
        may_change=may,
        moves=[(s, MOVES[s]) for s in MOVES if may and s in TRANSITIONS[job.status]],
        final=job.status in FINAL,
        attendees=job.attendees.all(),
        states=AllocationState,
    )
    return render(request, "workitems/detail.html", context)


@login_required
def job_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting panel alone (polled by the job page); POST retries the automation."""
    job = find_job(request.user, pk)
    if request.method == "POST":
        require_change(request.user, job)
        automation.retry(job)
        job.refresh_from_db()
    return render(request, "workitems/meeting_panel.html", _meeting_context(job))


@login_required
def job_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    job = find_job(request.user, pk) if pk is not None else None
    if job is not None:
        require_change(request.user, job)
    # A new job: the form refuses a contact the person may not change, next to the field.
    if request.method == "POST":
        form = JobForm(request.POST, user=request.user)
        if form.is_valid():
            fields = form.job_fields()
            if not form.errors:
                try:
                    assert isinstance(request.user, User)  # login_required
                    job = changes.save_job(job, fields, request.user)
                except ValidationError as exc:
                    for name, errors in exc.message_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    messages.success(request, f"Job “{job.title}” saved.")
                    return redirect("job", job.pk)
    else:
        initial: dict[str, Any] = {"timezone": str(timezone.get_current_timezone())}
        if job is not None:
            initial = JobForm.initial_for(job)
        elif email := request.GET.get("contact"):
            initial["contact"] = email
        form = JobForm(initial=initial, user=request.user)
    return render(request, "workitems/edit.html", {"form": form, "job": job})


@login_required
@require_POST
def job_move(request: HttpRequest, pk: int) -> HttpResponse:
    job = find_job(request.user, pk)
    require_change(request.user, job)
    target = request.POST.get("status", "")
    try:
        changes.move_to(job, target)
    except ValidationError as exc:
        messages.error(request, f"The job was not moved: {exc.message_dict['status'][0]}.")
    else:
        messages.success(request, f"The job is {JobStatus(job.status).label}.")
    return redirect("job", job.pk)


@login_required
@require_POST
def job_respond(request: HttpRequest, pk: int) -> HttpResponse:
    """A resource confirms or declines their own allocation (a scheduler may answer for
    a resource, naming them)."""
    job = find_job(request.user, pk)
    resource: Any = request.user
    named = request.POST.get("resource", "")
    if named and named != str(request.user.pk):
        require_change(request.user, job)
        resource = User.objects.filter(pk=named).first() if named.isdigit() else None
    elif not is_resource(request.user, job):
        raise access.NotAllowed("Only the job's resources answer for themselves.")
    try:
        if resource is None:
            raise ValidationError({"resource": "no such team member"})
        changes.respond(job, resource, request.POST.get("state", ""))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, f"Answer saved: the job is {JobStatus(job.status).label}.")
    back = request.POST.get("back", "")
    return redirect("my_jobs" if back == "mine" else "job", *([] if back == "mine" else [job.pk]))


@login_required
def my_jobs(request: HttpRequest) -> HttpResponse:
    """A resource's own jobs, made for a phone: what is next, the link to join, and the
    buttons to confirm or decline."""
    assert isinstance(request.user, User)  # login_required
    now = timezone.now()
    jobs = (
        Job.objects.filter(allocations__resource=request.user)
        .exclude(status__in=[JobStatus.CANCELLED, JobStatus.COMPLETE])
        .filter(end__gte=now - timedelta(hours=12))
        .select_related("contact")
        .order_by("start", "pk")
        .distinct()[:100]
    )
    rows = []
    waiting = False
    for job in jobs:
        allocation = job.allocations.filter(resource=request.user).first()
        meeting = automation.meeting_of(job)
        rows.append({"job": job, "meeting": meeting, "mine": allocation})
        # A Ready job whose link is still being made: the list reloads itself until
        # it is there.
        waiting = waiting or (
            job.status == JobStatus.READY
            and not job.meeting_problem
            and (meeting is None or not settled(meeting))
        )
    return render(
        request,
        "workitems/mine.html",
        {"rows": rows, "states": AllocationState, "waiting": waiting},
    )
