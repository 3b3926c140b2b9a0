"""What a person can usefully do to a meeting right now, read off its row by the same
rules `convener.scheduling.lifecycle` applies, so that a page offers a button only
where pressing it does something.

Whether the person may (their permissions) is `convener.team.access`'s answer and is
asked separately; this module says whether the meeting allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from convener.meetings.models import Delivery, Meeting, MeetingState
from convener.meetings.phases import (
    BEING_CANCELLED,
    CANCELLED,
    FAILED,
    SCHEDULED,
    WAITING_RECONNECT,
    leased,
    phase_of,
)
from convener.meetings.state import Operation, next_operation
from convener.scheduling.lifecycle import connection_removed


@dataclass(frozen=True)
class Offers:
    """change: Reschedule and Set a link by hand; cancel: Cancel meeting; retry: Retry
    now; join: the link is live (neither cancelled nor being cancelled)."""

    change: bool
    cancel: bool
    retry: bool
    join: bool


def offers(meeting: Meeting, now: datetime | None = None) -> Offers:
    now = now or timezone.now()
    closed = meeting.cancel_requested or meeting.state == MeetingState.CANCELLED
    return Offers(
        # lifecycle refuses every change of a cancelled meeting, or one being cancelled.
        change=not closed,
        cancel=not closed,
        retry=retry_helps(meeting, now),
        join=bool(meeting.join_url) and not closed,
    )


def retry_helps(meeting: Meeting, now: datetime) -> bool:
    """Whether "Retry now" would do something the worker is not already doing.

    Not while a worker holds the meeting (the retry would wait for it and give up), not
    while the link is still being made the first time (it is already due), not while the
    provider's quota is used up (the worker would only wait again), and not when the
    account it needs was removed (it would go back to waiting for a reconnect)."""
    phase = phase_of(meeting)
    if phase is CANCELLED or leased(meeting, now):
        return False
    if phase is FAILED:
        return not connection_removed(meeting)
    if phase is WAITING_RECONNECT:
        # The account is still there: after the person reconnects it, a retry resumes now.
        return not connection_removed(meeting)
    if phase is BEING_CANCELLED:
        # Only a cancellation that has already failed at the provider is stuck.
        return meeting.attempts > 0 and not connection_removed(meeting)
    if phase is SCHEDULED:
        return _invitations_given_up(meeting) or _update_failed(meeting)
    return False  # being created, waiting for quota


def _invitations_given_up(meeting: Meeting) -> bool:
    if not meeting.send_invitations:
        return False
    if meeting.state == MeetingState.LINKED and meeting.next_attempt_at is None:
        return True  # the invitations could not be prepared, and no try is left
    return Delivery.objects.filter(
        meeting=meeting, sequence=meeting.sequence, status=Delivery.Status.UNDELIVERABLE
    ).exists()


def _update_failed(meeting: Meeting) -> bool:
    """A change that has not reached the provider after a failed try."""
    return meeting.attempts > 0 and next_operation(meeting) == Operation.UPDATE
