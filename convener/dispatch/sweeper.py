"""The sweeper: the backstop that hands on work whose worker died.

The Meeting row is the source of truth, not the queue (django-tasks-db has no retries
and leaves a task RUNNING when its worker dies). A meeting whose lease ran out is due
again by the same rule as any other due meeting, so the dispatcher's own polling picks it
up; what the sweeper adds is for processes without a dispatcher, and for invitations
interrupted mid-send.
"""

from __future__ import annotations

from django.utils import timezone

from convener.dispatch.dispatcher import due_lanes
from convener.dispatch.parking import release_stranded
from convener.dispatch.tasks import drain_lane
from convener.meetings.models import Delivery, Meeting, MeetingState
from convener.meetings.state import unleased


def recover_interrupted_deliveries() -> None:
    """Invitations whose sending was cut off (a worker died mid-send) go out again.

    Only the worker holding a meeting's lease sends its invitations, so a delivery still
    "sending" when nobody holds its meeting was cut off. Judging by the lease rather than
    by the row's age hands it on as soon as the lease runs out, and never takes a delivery
    from a worker that is still sending it (which left the meeting "linked" with no next
    attempt: stuck for good)."""
    now = timezone.now()
    unheld = unleased(now)
    interrupted = Delivery.objects.filter(
        unleased(now, via="meeting__"), status=Delivery.Status.SENDING
    )
    meeting_ids = list(interrupted.values_list("meeting_id", flat=True).distinct())
    if not meeting_ids:
        return
    Delivery.objects.filter(
        pk__in=list(interrupted.values_list("pk", flat=True)), status=Delivery.Status.SENDING
    ).update(status=Delivery.Status.FAILED, error="interrupted while sending")
    Meeting.objects.filter(unheld, pk__in=meeting_ids, state=MeetingState.INVITED).update(
        state=MeetingState.LINKED
    )
    Meeting.objects.filter(unheld, pk__in=meeting_ids).update(next_attempt_at=now)


def sweep() -> int:
    """Recover interrupted work and nudge every lane with due work (for processes without
    a dispatcher); returns how many lanes were nudged."""
    recover_interrupted_deliveries()
    release_stranded()
    lanes = due_lanes()
    for lane in lanes:
        drain_lane.enqueue(lane)
    return len(lanes)
