"""The sweeper: hands on work whose time has come or whose worker died.

The Meeting row is the source of truth, not the queue (django-tasks-db has no retries
and leaves a task RUNNING when its worker dies). Every few seconds each worker process
looks for meetings due for another attempt and for expired leases, and enqueues them;
the claim in `linking` makes sure only one worker acts on each.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from convener.meetings.invitations.delivery import deliver
from convener.meetings.models import Delivery, Meeting, MeetingState
from convener.meetings.tasks import create_meeting_link

BATCH = 500


def due_meeting_ids(limit: int = BATCH) -> list[int]:
    now = timezone.now()
    due = (
        Q(
            state__in=[MeetingState.LINK_FAILED, MeetingState.WAITING_QUOTA],
            next_attempt_at__lte=now,
        )
        | Q(state=MeetingState.CREATING, lease_until__lt=now)
        # Planned meetings whose task was lost (e.g. the process died before enqueueing).
        | Q(state=MeetingState.PLANNED, created_at__lt=now - timedelta(minutes=1))
    )
    return list(Meeting.objects.filter(due).values_list("pk", flat=True)[:limit])


def sweep() -> int:
    """Enqueue due work; returns how many meetings were handed on."""
    ids = due_meeting_ids()
    for meeting_id in ids:
        create_meeting_link.enqueue(meeting_id)
    # Invitations that failed or were interrupted.
    stale = timezone.now() - timedelta(minutes=2)
    Delivery.objects.filter(status=Delivery.Status.SENDING, created_at__lt=stale).update(
        status=Delivery.Status.FAILED, error="interrupted while sending"
    )
    linked = Meeting.objects.filter(
        state=MeetingState.LINKED, send_invitations=True, updated_at__lt=stale
    ).select_related("host", "contact", "action")[:BATCH]
    for meeting in linked:
        deliver(meeting)
    return len(ids)
