"""Giving a meeting back after a step: the lease ends and the next due time is set."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_save
from django.utils import timezone

from convener.db import changes
from convener.db.writes import update_one
from convener.meetings.models import Meeting

log = logging.getLogger(__name__)

# Every column of a meeting's row but its key; a write sets those a step changed.
COLUMNS = [field.attname for field in Meeting._meta.concrete_fields if not field.primary_key]


def release(meeting: Meeting, *, due_in: float | None = None) -> bool:
    """Release the lease and save the row; `due_in` seconds until its next step (None:
    nothing is due until something changes it). Returns whether the row was written.

    Written only under the lease the step holds: a step that outlived its lease (a busy
    machine, invitations sent after the answer was committed) must not write its view of
    the meeting over the worker, or the person editing it, that holds it now. Such a
    write once left meetings with no lease and nothing due, in a state ("creating") that
    nothing would ever move on from. One conditional UPDATE, as cheap as the save."""
    held = meeting.lease_until
    meeting.lease_until = None
    meeting.next_attempt_at = (
        timezone.now() + timedelta(seconds=due_in) if due_in is not None else None
    )
    if held is None:  # a step run without a lease (tests, one-off commands)
        meeting.save()
        return True
    # A prepared statement: the compile of a forty-column UPDATE was most of its cost.
    if update_one(meeting, changes.changed(meeting, COLUMNS), where={"lease_until": held}):
        return True
    log.warning(
        "meeting %s: its lease ran out before its step was written; left to whoever holds it",
        meeting.pk,
    )
    return False


def save_held(meeting: Meeting) -> None:
    """Write what the step changed of a meeting whose lease the caller has checked under
    lock in this transaction, keeping the lease; its post_save goes out, as with `save()`.
    A prepared statement: `save()` compiled a forty-column UPDATE for each linked meeting,
    a tenth of a worker's CPU per meeting over SMTP."""
    update_one(meeting, changes.changed(meeting, COLUMNS), where={})
    post_save.send(
        Meeting,
        instance=meeting,
        created=False,
        update_fields=None,
        raw=False,
        using=DEFAULT_DB_ALIAS,
    )
