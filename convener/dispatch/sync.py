"""Bringing the provider, and the invitations, in step with a meeting row.

The row says what should be (times, title, cancelled or not, `sequence`); `remote_sequence`
says what the provider has. One `sync_meeting` call makes one step towards it, the one
`convener.meetings.state.next_operation` names:

    cancel requested, remote exists  -> provider cancel, then METHOD:CANCEL invitations
    no remote meeting (and no manual link) -> provider create (reconcile on a retry)
    created but no link yet (pending) -> read it again
    remote older than the row        -> provider update, then invitations with SEQUENCE+1
    linked, invitations not sent      -> send them

The provider calls are `provider_step`'s; the emails are `announce`'s.
"""

from __future__ import annotations

from django.db.models import F, Prefetch

from convener.db import changes
from convener.dispatch.announce import announce_cancellation, invite
from convener.dispatch.provider_step import EARLIER_ATTEMPTS, ProviderStep, earlier_attempts
from convener.dispatch.release import COLUMNS, release
from convener.invitations.delivery import LOADED_DELIVERIES
from convener.meetings.models import Attempt, Attendee, Delivery, Meeting
from convener.meetings.state import Operation, next_operation


def load(meeting_ids: list[int]) -> list[Meeting]:
    """The meetings with everything a step reads: four queries however many there are.
    What their rows hold is noted, so that a step's writes set only what it changed."""
    meetings = list(
        Meeting.objects.select_related("host", "connection", "contact", "action")
        .prefetch_related(
            Prefetch("attendees", queryset=Attendee.objects.select_related("user")),
            Prefetch(
                "attempt_log",
                queryset=earlier_attempts(Attempt.objects.all()),
                to_attr=EARLIER_ATTEMPTS,
            ),
            # The current version's invitations only: older ones are never sent again.
            Prefetch(
                "deliveries",
                queryset=Delivery.objects.filter(sequence=F("meeting__sequence")),
                to_attr=LOADED_DELIVERIES,
            ),
        )
        .filter(pk__in=meeting_ids)
    )
    for meeting in meetings:
        changes.remember(meeting, COLUMNS)
    return meetings


def sync_meeting(meeting_id: int) -> None:
    """One step for a meeting this worker holds the lease of (see dispatcher.claim)."""
    for meeting in load([meeting_id]):
        step(meeting)


def step(meeting: Meeting) -> None:
    """One step for a loaded meeting, all of it on this thread."""
    operation = next_operation(meeting)
    if operation is None:
        release(meeting)
    elif operation == Operation.INVITE:
        invite(meeting)
    elif operation == Operation.ANNOUNCE_CANCELLATION:
        announce_cancellation(meeting)
    else:
        ProviderStep(meeting, operation).run()
