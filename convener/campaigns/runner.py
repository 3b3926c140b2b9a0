"""The worker's campaign loop: claim due steps with a lease, run them, and mark them done
in the same transaction as their effect.

A worker killed mid-step leaves its steps leased and pending; when the lease runs out
another worker claims them again, and the meeting action's trigger reference (campaign,
event, pass, contact) finds the meetings the first try saved if it committed, so nothing
is doubled and nothing is left behind. Long waits are due times in the Step table, never
sleeping tasks.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from convener.campaigns import actions, engine, sources
from convener.campaigns.due import FIELDS, Due
from convener.campaigns.models import Event, EventType, Step, StepState
from convener.dispatch import periodic
from convener.dispatch.backoff import retry_delay

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BATCH = 500
# A meeting step takes every contact due at it together (smart scheduling lays out the
# whole audience per owner), up to this many at once.
MEETING_BATCH = 200_000
UPDATE_CHUNK = 900  # ids per UPDATE, under SQLite's variable limit


def _due(now: datetime) -> Q:
    return Q(
        state=StepState.PENDING, due_at__lte=now, campaign__published=True, event__removed=False
    ) & (Q(lease_until__isnull=True) | Q(lease_until__lt=now))


def claim(now: datetime) -> list[tuple[int, int, list[int]]]:
    """Lease a batch of due steps, grouped by (event, pass): each group runs together."""
    with transaction.atomic():
        due = Step.objects.filter(_due(now)).order_by("due_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = list(due.values_list("pk", "event_id", "number", "event__type")[:BATCH])
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        meeting_groups: set[tuple[int, int]] = set()
        for pk, event_id, number, kind in rows:
            groups[(event_id, number)].append(pk)
            if kind == EventType.MEETING:
                meeting_groups.add((event_id, number))
        for event_id, number in meeting_groups:
            more = Step.objects.filter(_due(now), event_id=event_id, number=number).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                more = more.select_for_update(skip_locked=True, of=("self",))
            groups[(event_id, number)] = list(more.values_list("pk", flat=True)[:MEETING_BATCH])
        claimed = [pk for ids in groups.values() for pk in ids]
        for start in range(0, len(claimed), UPDATE_CHUNK):
            Step.objects.filter(pk__in=claimed[start : start + UPDATE_CHUNK]).update(
                lease_until=now + LEASE
            )
    return [(event_id, number, ids) for (event_id, number), ids in groups.items()]


def _update(ids: Sequence[int], **values: object) -> None:
    for start in range(0, len(ids), UPDATE_CHUNK):
        Step.objects.filter(pk__in=ids[start : start + UPDATE_CHUNK]).update(**values)


def run_group(event_id: int, ids: Sequence[int], now: datetime) -> None:
    """Run one event's claimed steps; a failure is retried with backoff, then shown on
    the step, and never stops the other groups."""
    event = Event.objects.select_related("campaign", "action").get(pk=event_id)
    try:
        with transaction.atomic():
            steps: list[Due] = []
            for start in range(0, len(ids), UPDATE_CHUNK):
                rows = Step.objects.filter(
                    pk__in=ids[start : start + UPDATE_CHUNK], state=StepState.PENDING
                ).values_list(*FIELDS)
                steps += [Due(*row) for row in rows]
            if not steps:
                return
            outcome = actions.run(event, steps, now)
            _write(event, steps, outcome, now)
    except Exception as failure:
        log.exception("campaign event %s failed for %s contacts", event_id, len(ids))
        _retry({pk: f"{type(failure).__name__}: {failure}"[:300] for pk in ids}, now)


def _write(event: Event, steps: list[Due], outcome: actions.Outcome, now: datetime) -> None:
    by_result: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, branch_result in outcome.done.items():
        by_result[branch_result].append(pk)
    for (branch, result), pks in by_result.items():
        _update(
            pks, state=StepState.DONE, branch=branch, result=result, done_at=now, lease_until=None
        )
    by_reason: dict[str, list[int]] = defaultdict(list)
    for pk, reason in outcome.failed.items():
        by_reason[reason].append(pk)
    for reason, pks in by_reason.items():
        _update(pks, state=StepState.FAILED, result=reason, done_at=now, lease_until=None)
    for pk, until in outcome.waiting.items():
        Step.objects.filter(pk=pk).update(
            wait_until=until, due_at=min(until, now + actions.RECHECK), lease_until=None
        )
    finished = [s for s in steps if s.pk in outcome.done]
    for step in finished:
        step.branch = outcome.done[step.pk][0]
    engine.advance(event.campaign, event, finished, now)
    if outcome.retry:
        _retry(outcome.retry, now)


def _retry(reasons: dict[int, str], now: datetime) -> None:
    limit = int(settings.RETRY_MAX_ATTEMPTS)
    for step in Step.objects.filter(pk__in=list(reasons), state=StepState.PENDING):
        attempts = step.attempts + 1
        reason = reasons[step.pk]
        if attempts >= limit:
            Step.objects.filter(pk=step.pk).update(
                state=StepState.FAILED,
                attempts=attempts,
                result=f"Gave up after {attempts} tries: {reason}"[:300],
                done_at=now,
                lease_until=None,
            )
        else:
            Step.objects.filter(pk=step.pk).update(
                attempts=attempts,
                result=f"Will try again: {reason}"[:300],
                due_at=now + retry_delay(attempts),
                lease_until=None,
            )


def run_due(now: datetime | None = None) -> int:
    """Run every step due now, batch after batch; returns how many steps ran."""
    ran = 0
    while True:
        moment = now or timezone.now()
        groups = claim(moment)
        if not groups:
            return ran
        for event_id, _number, ids in groups:
            run_group(event_id, ids, moment)
            ran += len(ids)


def tick(now: datetime | None = None) -> int:
    """One round of the worker's loop: new contacts from the sources, then due steps."""
    sources.sweep_segments(now)
    return run_due(now)


loop = periodic.repeating(tick, 2.0, "campaign round")


def register() -> None:
    periodic.register("campaigns", loop)
