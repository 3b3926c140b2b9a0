"""Picking up intake rows whose processing task died with its worker.

A form submission or a webhook delivery is stored with its task in one transaction, and
the worker carries it out. django-tasks leaves a task "running" for good when its worker
dies mid-task, so the stored row is the truth: a row still waiting WAITING_TOO_LONG after
its task was queued is queued again (and its `queued_at` moved, so that one row is not
queued once per sweep while a long queue drains). Processing is idempotent, so a task
that was only slow and a new one for the same row make one contact and one meeting.

The sweep runs after each processed row and whenever a waiting row is looked at (the
visitor's thank-you page, a sender's status URL, the pages of the team), at most once per
SWEEP_EVERY in a process, and every 30 s in the worker (`sweeping`, registered by the
forms and webhooks apps): a restarted worker picks up what a dead one left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone

from convener.dispatch import periodic

WAITING_TOO_LONG = timedelta(seconds=60)
SWEEP_EVERY = 10.0  # seconds between sweeps of one kind of row, per process
BATCH = 100

_last: dict[str, float] = {}
_lock = threading.Lock()


def requeue_waiting(
    waiting: models.QuerySet,  # type: ignore[type-arg]
    enqueue: Callable[[int], object],
    *,
    now: datetime | None = None,
    force: bool = False,
) -> int:
    """Queue again the rows of `waiting` (rows still to be processed, with a `queued_at`)
    queued more than WAITING_TOO_LONG ago; how many. Skipped when this process swept the
    same kind of row less than SWEEP_EVERY ago, unless `force`."""
    key = waiting.model._meta.label
    with _lock:
        if not force and time.monotonic() - _last.get(key, -SWEEP_EVERY) < SWEEP_EVERY:
            return 0
        _last[key] = time.monotonic()
    now = now or timezone.now()
    late = waiting.filter(queued_at__lt=now - WAITING_TOO_LONG).order_by("queued_at")
    # Looked for before any transaction: on SQLite a transaction takes the write lock at
    # once, and nearly every sweep finds nothing.
    if not late.exists():
        return 0
    with transaction.atomic():
        stale = list(late.values_list("pk", flat=True)[:BATCH])
        waiting.model.objects.filter(pk__in=stale).update(queued_at=now)
        for pk in stale:
            enqueue(pk)
    return len(stale)


def waiting_too_long(queued_at: datetime | None, now: datetime | None = None) -> bool:
    return queued_at is None or queued_at < (now or timezone.now()) - WAITING_TOO_LONG


def sweeping(recover: Callable[..., int], every: float = 30.0) -> periodic.Loop:
    """A worker loop that queues again, every `every` seconds, what `recover` finds waiting
    too long: a worker restarted after a crash picks up the rows a dead one left even when
    nothing new arrives and nobody looks."""
    return periodic.repeating(lambda: recover(force=True), every, "intake sweep")
