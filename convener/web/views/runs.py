"""Runs: every launch of an action on many contacts, and each one's live progress.

The run page polls itself (htmx) until the worker has nothing left to do for its
meetings. "Retry failed" and "Cancel what has not happened" first say how many meetings
they will touch; each meeting is then changed through `scheduling.lifecycle`, so only
those the person may change are touched (docs/permissions.md).

A person sees the runs they launched, or every run with the permission to see meetings
other members host (`access.visible_runs`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from convener.meetings.models import Meeting, MeetingState, Run
from convener.scheduling import lifecycle
from convener.scheduling.background import STALLED_AFTER, recover_if_stalled
from convener.scheduling.progress import (
    meetings_not_started,
    meetings_to_retry,
    run_progress,
)
from convener.team import access
from convener.team.models import User

PAGE = 50
# The stages a person filters the outcomes by, and the states each one holds.
STAGES: dict[str, tuple[str, list[str]]] = {
    "planned": ("Planned", [MeetingState.PLANNED]),
    "creating": ("Creating link", [MeetingState.CREATING, MeetingState.LINK_PENDING]),
    "linked": ("Linked or invited", [MeetingState.LINKED, MeetingState.INVITED]),
    "waiting": (
        "Waiting for quota or reconnect",
        [MeetingState.WAITING_QUOTA, MeetingState.WAITING_CONNECTION],
    ),
    "failed": ("Failed", [MeetingState.LINK_FAILED]),
    "cancelled": ("Cancelled", [MeetingState.CANCELLED]),
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _run(request: HttpRequest, pk: int) -> Run:
    return access.find(request.user, Run.objects.select_related("action", "requested_by"), pk)


@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(access.visible_runs(request.user), PAGE).get_page(request.GET.get("page"))
    rows = [(run, run_progress(run)) for run in page.object_list]
    return render(request, "web/runs/list.html", {"page": page, "rows": rows})


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = recover_if_stalled(_run(request, pk))
    stage = request.GET.get("stage", "")
    meetings = run.meetings().select_related("contact", "host").order_by("start", "pk")
    if stage in STAGES:
        meetings = meetings.filter(state__in=STAGES[stage][1])
    page = Paginator(meetings, PAGE).get_page(request.GET.get("page"))
    skipped = Paginator(run.skipped or [], PAGE).get_page(request.GET.get("skipped_page"))
    user = _user(request)
    # Names of the skipped contacts the person may see; the others stay numbers.
    shown = access.visible_contacts(user).in_bulk([s["contact_id"] for s in skipped.object_list])
    skipped_rows = [(shown.get(s["contact_id"]), s) for s in skipped.object_list]
    context = {
        "run": run,
        "progress": run_progress(run),
        "page": page,
        "stage": stage,
        "stages": [(key, label) for key, (label, _) in STAGES.items()],
        "skipped": skipped,
        "skipped_rows": skipped_rows,
        # Not while the worker still saves the run's meetings: a bulk change would reach
        # the chunks saved so far and miss the rest.
        "retryable": 0
        if run.waiting_for_worker
        else access.changeable_meetings(user, meetings_to_retry(run)).count(),
        "cancellable": 0
        if run.waiting_for_worker
        else access.changeable_meetings(user, meetings_not_started(run)).count(),
        "query": request.GET.urlencode(),
        "stalled_after": f"{STALLED_AFTER.total_seconds() / 60:.0f} minutes",
    }
    partial = bool(getattr(request, "htmx", False))
    return render(request, "web/runs/status.html" if partial else "web/runs/detail.html", context)


def _bulk_change(
    request: HttpRequest,
    pk: int,
    *,
    chosen: Callable[[Run], QuerySet[Meeting]],
    change: Callable[[Meeting, User], Any],
    template: str,
    done: str,
) -> HttpResponse:
    """GET: the confirmation, with how many meetings; POST: change each of them."""
    run = _run(request, pk)
    if run.waiting_for_worker:
        messages.info(
            request,
            "The worker is still saving this run's meetings: cancel or retry them once it"
            " has saved them all.",
        )
        return redirect("run", pk=run.pk)
    user = _user(request)
    all_of_them = chosen(run)
    yours = access.changeable_meetings(user, all_of_them).select_related("connection")
    count = yours.count()
    if request.method != "POST":
        context = {"run": run, "count": count, "others": all_of_them.count() - count}
        return render(request, template, context)
    changed, busy = 0, 0
    for meeting in yours.iterator():
        try:
            change(meeting, user)
        except lifecycle.MeetingBusy:
            busy += 1
        except ValidationError:
            continue  # changed meanwhile (cancelled by someone else): nothing left to do
        else:
            changed += 1
    if changed:
        messages.success(request, done.format(count=changed, s="s" if changed != 1 else ""))
    else:
        messages.info(request, "There was nothing to change.")
    if busy:
        messages.warning(
            request,
            f"{busy} meeting{'s were' if busy != 1 else ' was'} being updated at the provider "
            "right then; try again in a moment.",
        )
    return redirect("run", pk=run.pk)


@login_required
def run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _bulk_change(
        request,
        pk,
        chosen=meetings_to_retry,
        change=lambda meeting, user: lifecycle.retry(meeting, by=user),
        template="web/runs/retry.html",
        done="Trying {count} meeting{s} again now.",
    )


@login_required
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _bulk_change(
        request,
        pk,
        chosen=meetings_not_started,
        change=lambda meeting, user: lifecycle.cancel(meeting, by=user),
        template="web/runs/cancel.html",
        done="Cancelling {count} meeting{s}: the attendees are told.",
    )
