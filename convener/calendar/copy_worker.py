"""The worker's side of host calendar entries (convener.calendar.copies): claim due rows
with a lease, make one step for each, and write the outcome only while still holding it.

A step reads the event afresh and compares what the entry should hold with what it was
last written with: it removes an entry from a calendar it should no longer be in (the
event deleted, its location now Meet or Teams, another host), makes or updates it, or
does nothing. Calls go through the account's pacing lane, shared with its meetings, and
none leaves when its answer could come after the lease (dispatch.request_pacing). A
make is idempotent by the row's key (Google's event id, Graph's transactionId), so a
step run again after a lost answer or a dead worker finds the entry the first made.

Failures keep the row and say why on the event: a refused account waits for its
reconnect, a provider's refusal waits for the next save, anything else is tried again
with growing pauses and then given up on, in words.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from convener.calendar import copies
from convener.calendar.models import CalendarCopy
from convener.connections.factory import build_provider
from convener.connections.models import Connection
from convener.connections.status import mark_needs_reconnect
from convener.dispatch import pacing, periodic
from convener.dispatch.backoff import max_attempts, retry_delay
from convener.dispatch.request_pacing import StepPacer
from convener.meetings.models import new_meeting_key
from convener.meetings.state import lane_for, lease, unleased
from convener.providers.base import (
    AuthenticationError,
    MeetingGone,
    Provider,
    ProviderError,
    RateLimited,
)
from convener.providers.registry import provider_class

log = logging.getLogger(__name__)

BATCH = 20


class GiveBack(Exception):
    """The step cannot run now and is not to blame: due again in `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def claim(now: datetime) -> list[tuple[int, str, int]]:
    """Lease up to BATCH due rows: (id, lease token, changes seen)."""
    with transaction.atomic():
        due = CalendarCopy.objects.filter(unleased(now), due_at__lte=now).order_by("due_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values_list("pk", "changes")[:BATCH])
        claimed = []
        for pk, changes in rows:
            token = secrets.token_hex(8)
            # Still unleased: without SKIP LOCKED (SQLite) another worker may have read
            # the same row a moment ago.
            taken = CalendarCopy.objects.filter(unleased(now), pk=pk, changes=changes)
            if taken.update(lease_until=now + lease(), lease_token=token):
                claimed.append((pk, token, changes))
    return claimed


def _provider(row: CalendarCopy, account: Connection) -> Provider:
    """The account's provider, its requests paced in the account's lane and kept inside
    the lease; the first request's slot is taken here."""
    lane = lane_for(account.provider, account.pk)
    rate = (
        account.requests_per_second
        or provider_class(account.provider).capabilities.requests_per_second
    )
    wait = pacing.reserve(lane, rate)
    if wait is None:
        raise GiveBack(max(0.05, pacing.known_wait(lane)))
    if wait > 0:
        time.sleep(wait)
    owner = account.user
    pacer = StepPacer(
        lane,
        rate,
        lease_until=row.lease_until,
        timeout=float(settings.PROVIDER_TIMEOUT_SECONDS),
    )
    return build_provider(
        account.provider, account, owner.email if owner else None, before_request=pacer
    )


def _remove(row: CalendarCopy) -> None:
    """Remove the entry from the calendar it is in; a new key for the next one."""
    if row.remote_id and row.connection is not None:
        provider = _provider(row, row.connection)
        try:
            provider.remove_calendar_entry(row.remote_id)
        finally:
            provider.close()
    row.remote_id, row.written, row.key = "", "", new_meeting_key()


def _put(row: CalendarCopy, target: copies.Target) -> None:
    account = target.connection
    if account.status != Connection.Status.ACTIVE:
        raise AuthenticationError(account.status_reason or "the account needs reconnecting")
    provider = _provider(row, account)
    entry = target.entry(row.key)
    try:
        retried_make = not row.remote_id and row.attempts > 0
        try:
            remote = provider.put_calendar_entry(entry, row.remote_id)
        except MeetingGone:
            # Deleted in the calendar itself: the event still wants it, so make it again.
            row.key = new_meeting_key()
            remote = provider.put_calendar_entry(target.entry(row.key), "")
        if retried_make:
            # An earlier make may have landed with what the event held then: Graph
            # answers a repeated transactionId with that entry as it was.
            remote = provider.put_calendar_entry(entry, remote)
    finally:
        provider.close()
    row.remote_id, row.written = remote, target.digest


def step(pk: int, token: str, seen: int) -> None:
    """One step for a row this worker holds."""
    row = (
        CalendarCopy.objects.select_related("event", "event__created_by", "connection__user")
        .filter(pk=pk, lease_token=token)
        .first()
    )
    if row is None:
        return  # another worker holds it now
    target = copies.target_of(row.event)
    outcome: dict[str, Any] = {"problem": "", "attempts": 0, "due_at": None}
    using = row.connection  # the account of the call under way: the one a refusal is about
    try:
        moved = target is None or target.connection.pk != row.connection_id
        if row.remote_id and moved:
            _remove(row)
        if target is None:
            row.connection = None  # in no calendar, and none to say anything of
        else:
            using = row.connection = target.connection
            if not row.remote_id or row.written != target.digest:
                _put(row, target)
    except GiveBack as back:
        outcome.update(attempts=row.attempts, due_at=_after(back.seconds))
    except RateLimited as limited:
        outcome.update(attempts=row.attempts, due_at=_after(limited.retry_after or 1.0))
        if limited.code not in {"lease", "paced"} and using is not None:
            pacing.pause(lane_for(using.provider, using.pk), limited.retry_after or 1.0)
    except AuthenticationError as refused:
        outcome["problem"] = f"waiting for the account to be reconnected: {refused}"
        if using is not None:
            mark_needs_reconnect(using.pk, str(refused), connected_at=using.connected_at)
            if Connection.objects.filter(pk=using.pk, status=Connection.Status.ACTIVE).exists():
                # Reconnected while this step ran: its reconnect found nothing waiting yet.
                outcome["due_at"] = _after(1.0)
    except ProviderError as failed:
        outcome.update(_failure(row, str(failed), permanent=failed.permanent))
    except Exception as failed:  # a bug or an outage must not stop the other rows
        log.exception("calendar copy %s: step failed", pk)
        outcome.update(_failure(row, f"{type(failed).__name__}: {failed}", permanent=False))
    _write(row, token, seen, outcome)


def _after(seconds: float) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


def _failure(row: CalendarCopy, reason: str, *, permanent: bool) -> dict[str, Any]:
    attempts = row.attempts + 1
    if permanent:
        return {"problem": f"{reason} (saving the event tries again)", "attempts": attempts}
    if attempts >= max_attempts():
        return {"problem": f"gave up after {attempts} tries: {reason}", "attempts": attempts}
    delay = retry_delay(attempts)
    return {
        "problem": f"{reason}; trying again by itself",
        "attempts": attempts,
        "due_at": timezone.now() + delay,
    }


def _write(row: CalendarCopy, token: str, seen: int, outcome: dict[str, Any]) -> None:
    """Keep what the step did, only while this worker still holds the row; a change made
    meanwhile leaves it due at once."""
    fields = {
        "connection": row.connection,
        "key": row.key,
        "remote_id": row.remote_id,
        "written": row.written,
        "lease_until": None,
        "lease_token": "",
        **outcome,
    }
    gone = row.event_id is None and not row.remote_id and not outcome["problem"]
    with transaction.atomic():
        mine = CalendarCopy.objects.filter(pk=row.pk, lease_token=token)
        if gone and mine.filter(changes=seen, event__isnull=True).delete()[0]:
            return
        if not mine.filter(changes=seen).update(**fields):
            mine.update(**(fields | {"due_at": timezone.now()}))


def run_due(now: datetime | None = None) -> int:
    """Every row due now, batch after batch; how many steps ran."""
    ran = 0
    while claimed := claim(now or timezone.now()):
        for pk, token, seen in claimed:
            step(pk, token, seen)
            ran += 1
    return ran


# The worker's backstop: rows a nudge missed (its task lost, a worker dead with their
# lease), and retries when they fall due.
loop = periodic.repeating(run_due, 2.0, "calendar copies")


def register() -> None:
    periodic.register("calendar-copies", loop)
