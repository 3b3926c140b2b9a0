"""Launching an action on many contacts, recorded as a Run that shows its progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    request: ScheduleRequest,
    *,
    label: str = "",
    in_chunks: bool = False,
    kept: dict[str, Any] | None = None,
    alive: Callable[[], object] | None = None,
) -> tuple[Run, ScheduleOutcome]:
    """`launch`, and what this launch itself did (made, found again, skipped): the run
    counts every launch of its reference, a caller reporting one launch needs both.

    `in_chunks` (the worker's large launches, outside any transaction): the meetings are
    saved and committed a chunk at a time (`schedule`), `alive` called after each, and the
    run is marked scheduled after the last, unless it was launched again meanwhile (its
    request is no longer `kept`): then it stays queued for that launch. A launch stopped
    midway leaves the run waiting for the worker; the same reference launched again makes
    only the rest."""
    if in_chunks:
        outcome = schedule(request, commit_each_chunk=True, alive=alive)
        with transaction.atomic():
            return _recorded(request, label, outcome, kept), outcome
    with transaction.atomic():
        outcome = schedule(request)
        return _recorded(request, label, outcome, None), outcome


def _recorded(
    request: ScheduleRequest, label: str, outcome: ScheduleOutcome, kept: dict[str, Any] | None
) -> Run:
    run = locked_run(request, label)
    run.created = run.meetings().count()
    if kept is not None and run.pending != kept:
        # Launched again while this launch saved its chunks: that launch's task makes the
        # rest, and says what it did.
        run.save(update_fields=["created", "updated_at"])
        return run
    run.requested = len(request.contact_ids)
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
