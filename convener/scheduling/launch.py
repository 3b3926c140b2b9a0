"""Launching an action on many contacts, recorded as a Run that shows its progress."""

from __future__ import annotations

from django.db import transaction

from convener.meetings.models import Run
from convener.scheduling.request import ScheduleOutcome, ScheduleRequest
from convener.scheduling.schedule import schedule

SKIPS_KEPT = 1000


def launch(request: ScheduleRequest, *, label: str = "") -> Run:
    """Schedule `request` and record it as a run, in one transaction: a run exists exactly
    when its meetings do (a large launch in the background: see `in_chunks`). Launching
    the same trigger reference again schedules only what is missing and updates the same
    run."""
    return launch_with_outcome(request, label=label)[0]


def launch_with_outcome(
    request: ScheduleRequest, *, label: str = "", in_chunks: bool = False
) -> tuple[Run, ScheduleOutcome]:
    """`launch`, and what this launch itself did (made, found again, skipped): the run
    counts every launch of its reference, a caller reporting one launch needs both.

    `in_chunks` (the worker's large launches, outside any transaction): the meetings are
    saved and committed a chunk at a time (`schedule`), and the run is marked scheduled
    after the last; a launch stopped midway leaves the run waiting for the worker, and
    the same reference launched again makes only the rest."""
    if in_chunks:
        outcome = schedule(request, commit_each_chunk=True)
        with transaction.atomic():
            return _recorded(request, label, outcome), outcome
    with transaction.atomic():
        outcome = schedule(request)
        return _recorded(request, label, outcome), outcome


def _recorded(request: ScheduleRequest, label: str, outcome: ScheduleOutcome) -> Run:
    run = locked_run(request, label)
    run.requested = len(request.contact_ids)
    run.created = run.meetings().count()
    run.skipped_count = len(outcome.skipped)
    run.skipped = [s.as_dict() for s in outcome.skipped[:SKIPS_KEPT]]
    # Scheduled, whether in the request or by the worker (scheduling.background).
    run.status, run.failure, run.pending = Run.Status.DONE, "", None
    run.save()
    return run


def locked_run(request: ScheduleRequest, label: str) -> Run:
    """The run of `request`'s trigger reference, made if new, locked until the caller's
    transaction ends (a launch in the request, or one queued for the worker)."""
    ref = request.trigger
    run, _ = Run.objects.select_for_update().get_or_create(
        trigger=ref.kind,
        trigger_source=ref.source,
        occurrence=ref.occurrence,
        defaults={
            "action": request.saved_action,
            "label": label[:200],
            "requested_by": request.requested_by,
        },
    )
    return run
