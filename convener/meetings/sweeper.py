"""The sweeper: the backstop that hands on work whose worker died.

The Meeting row is the source of truth, not the queue (django-tasks-db has no retries
and leaves a task RUNNING when its worker dies). A meeting whose lease ran out is due
again by the same rule as any other due meeting, so the dispatcher's own polling picks it
up; what the sweeper adds is for processes without a dispatcher, and for invitations
interrupted mid-send.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from convener.meetings.dispatch import due_lanes
from convener.meetings.models import Delivery, Meeting, MeetingState
from convener.meetings.tasks import drain_lane


def recover_interrupted_deliveries() -> None:
    """Invitations whose sending was cut off (a worker died mid-send) go out again."""
    stale = timezone.now() - timedelta(minutes=2)
    interrupted = Delivery.objects.filter(status=Delivery.Status.SENDING, created_at__lt=stale)
    meeting_ids = list(interrupted.values_list("meeting_id", flat=True))
    if meeting_ids:
        interrupted.update(status=Delivery.Status.FAILED, error="interrupted while sending")
        Meeting.objects.filter(pk__in=meeting_ids, state=MeetingState.INVITED).update(
            state=MeetingState.LINKED
        )
        Meeting.objects.filter(pk__in=meeting_ids, next_attempt_at__isnull=True).update(
            next_attempt_at=timezone.now()
        )


def sweep() -> int:
    """Recover interrupted work and nudge every lane with due work (for processes without
    a dispatcher); returns how many lanes were nudged."""
    recover_interrupted_deliveries()
    lanes = due_lanes()
    for lane in lanes:
        drain_lane.enqueue(lane)
    return len(lanes)
