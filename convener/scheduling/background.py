"""Large launches, scheduled by the worker: the run is recorded at once and the person
follows it on its page, instead of a request that plans and saves a hundred thousand
meetings while the browser waits.

The request is kept on the run as plain values (`pending`) and handed to the worker as the
run's id. The worker plans it as a launch in the request would (`launch_with_outcome`), then
saves its meetings a chunk at a time, each committed: the first links are made while the
rest is saved, and the database is never held for the whole launch. The run is "scheduled"
when the last chunk is saved. Launching is idempotent by the trigger reference: a task that
runs twice, or a run picked up again after its worker died or a chunk failed, makes only
what is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from convener.meetings.models import MeetingAction, Run
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.launch import launch, launch_with_outcome, locked_run
from convener.scheduling.request import FixedStart, ScheduleRequest
from convener.team.models import User

logger = logging.getLogger(__name__)

Status = Run.Status
# A run still waiting after this long lost its worker (a launch of 100,000 contacts takes
# a few minutes): it is given to the worker again when someone looks at it.
STALLED_AFTER = timedelta(minutes=20)
# Tries of a launch that stops midway on an unexpected error before it is given up (the
# meetings saved by then go ahead).
MAX_TRIES = 3
# The settings an unsaved action (the popup's options) carries to the worker.
_ACTION_FIELDS = (
    "name",
    "provider",
    "credentials",
    "named_user_id",
    "fallback",
    "title_template",
    "description_template",
    "duration_minutes",
    "timing",
    "timezone",
    "timezone_chain",
    "send_invitations",
    "include_attendees",
    "external_emails",
    "passcode",
)


def in_background(request: ScheduleRequest) -> bool:
    """Whether a launch from a page goes to the worker: more contacts than a request
    plans and saves in a few seconds."""
    return len(request.contact_ids) > settings.LAUNCH_IN_BACKGROUND_OVER


def launch_from_page(request: ScheduleRequest, *, label: str = "") -> Run:
    """A launch a person started on a page: in the request when it is small (the page
    reports what it made at once), by the worker when it is large (`in_background`)."""
    if in_background(request):
        return launch_later(request, label=label)
    return launch(request, label=label)


def launch_later(request: ScheduleRequest, *, label: str = "") -> Run:
    """Record the run of `request` now and let the worker schedule it. The same trigger
    reference launched again is the same run, queued again."""
    with transaction.atomic():
        run = locked_run(request, label)
        run.status = Status.QUEUED
        run.failure = ""
        run.pending = _kept(request)
        run.requested = len(request.contact_ids)
        run.save()
        pk = run.pk
        transaction.on_commit(lambda: schedule_run.enqueue(pk))
    return run


@task()
def schedule_run(run_id: int) -> None:
    """The worker's part: plan and save the run's meetings."""
    with transaction.atomic():
        run = Run.objects.select_for_update().filter(pk=run_id).first()
        # Only a queued run: one being scheduled has its task (a second task for the same
        # run, or one queued again while the first still runs, leaves it alone).
        if run is None or run.status != Status.QUEUED or run.pending is None:
            return  # done or taken meanwhile, or removed
        tries = int(run.pending.get("tries", 0))
        if tries >= MAX_TRIES:
            # Taken up that often without finishing: its worker died each time (a crash
            # raises no error to count), or it stopped on errors.
            _fail(run, "Saving the meetings stopped before the end, three times.")
            return
        run.status = Status.SCHEDULING
        run.failure = ""  # a stop's explanation, from an earlier try
        run.pending = {**run.pending, "tries": tries + 1}
        run.save(update_fields=["status", "failure", "pending", "updated_at"])
    kept = run.pending
    before = run.meetings().count()
    try:
        request = _request(run)
        # Chunk by chunk: the first links are made while the rest is saved; each chunk
        # is a sign of life, so a long launch is never taken for a stalled one.
        launch_with_outcome(
            request, label=run.label, in_chunks=True, kept=kept, alive=lambda: _alive(run_id)
        )
    except NoUsableConnection as exc:
        _while_kept(run_id, kept, _failing(f"No meeting can be scheduled: {exc}."))
    except _Gone as exc:
        _while_kept(run_id, kept, _failing(str(exc)))
    except Exception:
        logger.exception("scheduling run %s failed", run_id)
        stopped = "Saving the meetings stopped on an unexpected error."
        saved = run.meetings().count() - before
        if not saved or kept["tries"] >= MAX_TRIES:
            _while_kept(run_id, kept, _failing(stopped))
            raise
        # Some chunks were saved, and their meetings go ahead. The run stays with the
        # worker, its request kept, and is given to it again once it has waited
        # STALLED_AFTER (`requeue_stalled`): the same reference makes only the rest.
        _while_kept(run_id, kept, lambda found: _stopped(found, stopped))
        raise


def _alive(run_id: int) -> None:
    Run.objects.filter(pk=run_id, status=Status.SCHEDULING).update(updated_at=timezone.now())


def recover_if_stalled(run: Run, *, now: datetime | None = None) -> Run:
    """`run`, given to the worker again when it has waited for it longer than any launch
    takes (its worker stopped, or a launch stopped midway). Pages that show a run call
    this, and the worker every minute (`requeue_stalled`)."""
    cutoff = (now or timezone.now()) - STALLED_AFTER
    if not run.waiting_for_worker or run.updated_at > cutoff:
        return run
    with transaction.atomic():
        found = Run.objects.select_for_update().filter(pk=run.pk).first()
        # Looked at again under the lock: another process (every worker sweeps, every
        # open page polls) may have queued it again a moment ago.
        if found is None or not found.waiting_for_worker or found.updated_at > cutoff:
            return found or run
        found.status = Status.QUEUED
        found.save(update_fields=["status", "updated_at"])
        pk = found.pk
        transaction.on_commit(lambda: schedule_run.enqueue(pk))
    return found


def requeue_stalled(*, now: datetime | None = None) -> int:
    """Give the worker again every run that has waited for it too long; how many. The
    worker runs this every minute: a launch that stopped midway, or whose worker died,
    goes on even when nobody looks at its page."""
    now = now or timezone.now()
    stalled = Run.objects.filter(status__in=Run.WAITING, updated_at__lte=now - STALLED_AFTER)
    found = list(stalled)
    for run in found:
        recover_if_stalled(run, now=now)
    return len(found)


class _Gone(Exception):
    """What the kept request names no longer exists."""


def _while_kept(run_id: int, kept: dict[str, Any], change: Callable[[Run], None]) -> None:
    """`change` the run under its lock, unless it was launched again meanwhile (its
    request is no longer `kept`): that launch's task has it, and says how it went."""
    with transaction.atomic():
        run = Run.objects.select_for_update().filter(pk=run_id).first()
        if run is not None and run.pending == kept:
            change(run)


def _failing(reason: str) -> Callable[[Run], None]:
    return lambda run: _fail(run, reason)


def _fail(run: Run, reason: str) -> None:
    """Not scheduled, for `reason`; `created` counts what earlier chunks or launches
    saved, which goes ahead."""
    run.status, run.failure, run.pending = Status.FAILED, reason, None
    run.created = run.meetings().count()
    run.save(update_fields=["status", "failure", "pending", "created", "updated_at"])


def _stopped(run: Run, reason: str) -> None:
    """Stopped midway: still with the worker, saying why until it is taken up again."""
    run.failure = reason
    run.save(update_fields=["failure", "updated_at"])


def _kept(request: ScheduleRequest) -> dict[str, Any]:
    """`request` as plain values. A saved action is kept by its id, so an edit made before
    the worker starts is what runs, as it would be for a meeting planned a day ahead."""
    action = request.action
    start = request.start
    return {
        "action_id": action.pk,
        "action": None
        if action.pk is not None
        else {name: getattr(action, name) for name in _ACTION_FIELDS},
        "contact_ids": list(request.contact_ids),
        "requested_by": request.requested_by.pk if request.requested_by else None,
        "start": {"at": start.at.isoformat(), "timezone": start.timezone} if start else None,
        "internal_attendees": None
        if request.internal_attendees is None
        else [user.pk for user in request.internal_attendees],
        "browser_timezone": request.browser_timezone,
    }


def _request(run: Run) -> ScheduleRequest:
    kept = dict(run.pending or {})
    if kept.get("action_id") is not None:
        action = MeetingAction.objects.filter(pk=kept["action_id"]).first()
        if action is None:
            raise _Gone("The action was deleted before the worker scheduled its meetings.")
    else:
        action = MeetingAction(**kept["action"])
    person = None
    if kept.get("requested_by") is not None:
        person = User.objects.filter(pk=kept["requested_by"], is_active=True).first()
        if person is None:
            raise _Gone("The person who launched it no longer has an account.")
    start = kept.get("start")
    team = kept.get("internal_attendees")
    return ScheduleRequest(
        action=action,
        contact_ids=[int(pk) for pk in kept["contact_ids"]],
        trigger=run.reference,
        requested_by=person,
        start=FixedStart(datetime.fromisoformat(start["at"]), start["timezone"]) if start else None,
        internal_attendees=None if team is None else list(User.objects.filter(pk__in=team)),
        browser_timezone=kept.get("browser_timezone"),
    )
