"""A meeting's state as the people using Convener say it: scheduled, being created,
waiting for quota, waiting for a reconnect, failed, being cancelled, cancelled.

The row's `state` is the dispatcher's word for where the provider call stands; a person
also needs to know that a cancellation asked for is still under way (`cancel_requested`
on a row whose state is not yet "cancelled"), which the state alone does not say. Every
page and filter reads the phase from here, so the list, the meeting page, the contact
page and the run pages call the same row the same thing, and a filter finds exactly the
meetings a badge names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from convener.meetings.models import Meeting, MeetingState


@dataclass(frozen=True)
class Phase:
    slug: str  # in URLs: ?state=being_created
    label: str
    tone: str  # the badge's colour: good, busy, warn, bad, neutral
    states: frozenset[str]  # the MeetingState values it covers (not cancelling)
    cancelling: bool = False

    @property
    def condition(self) -> Q:
        """The meetings in this phase, in SQL."""
        if self.slug == CANCELLED.slug:
            return Q(state=MeetingState.CANCELLED)
        if self.cancelling:
            return Q(cancel_requested=True) & ~Q(state=MeetingState.CANCELLED)
        return Q(cancel_requested=False, state__in=sorted(self.states))


SCHEDULED = Phase(
    "scheduled", "Scheduled", "good", frozenset({MeetingState.LINKED, MeetingState.INVITED})
)
BEING_CREATED = Phase(
    "being_created",
    "Being created",
    "busy",
    frozenset({MeetingState.PLANNED, MeetingState.CREATING}),
)
# Made at the provider, which is still finishing the link (a pending Google Meet
# conference): work under way, not a failure.
WAITING_LINK = Phase(
    "waiting_link", "Waiting for the link", "busy", frozenset({MeetingState.LINK_PENDING})
)
WAITING_QUOTA = Phase(
    "waiting_quota", "Waiting for quota", "warn", frozenset({MeetingState.WAITING_QUOTA})
)
WAITING_RECONNECT = Phase(
    "waiting_reconnect",
    "Waiting for a reconnect",
    "warn",
    frozenset({MeetingState.WAITING_CONNECTION}),
)
FAILED = Phase("failed", "Failed", "bad", frozenset({MeetingState.LINK_FAILED}))
# A cancellation asked for, whatever the provider call stands at: it is no longer a
# meeting anyone should join.
BEING_CANCELLED = Phase("being_cancelled", "Being cancelled", "busy", frozenset(), True)
CANCELLED = Phase("cancelled", "Cancelled", "neutral", frozenset({MeetingState.CANCELLED}))

PHASES = (
    SCHEDULED,
    BEING_CREATED,
    WAITING_LINK,
    WAITING_QUOTA,
    WAITING_RECONNECT,
    FAILED,
    BEING_CANCELLED,
    CANCELLED,
)
BY_SLUG = {phase.slug: phase for phase in PHASES}


def phase_of(meeting: Meeting) -> Phase:
    if meeting.state == MeetingState.CANCELLED:
        return CANCELLED
    if meeting.cancel_requested:
        return BEING_CANCELLED
    for phase in PHASES:
        if meeting.state in phase.states:
            return phase
    return BEING_CREATED  # a state added later reads as work under way, never as done


def leased(meeting: Meeting, now: datetime | None = None) -> bool:
    """A worker holds the meeting right now (a provider call or invitations under way)."""
    return meeting.lease_until is not None and meeting.lease_until > (now or timezone.now())


def settled(meeting: Meeting, now: datetime | None = None) -> bool:
    """Nothing will change on its own: cancelled, or no step due and none running.

    A meeting waiting for a reconnect has no step due, but a person reconnecting the
    account anywhere resumes it, so it is never settled while it waits."""
    if meeting.state == MeetingState.CANCELLED:
        return True
    if meeting.state == MeetingState.WAITING_CONNECTION:
        return False
    return meeting.next_attempt_at is None and not leased(meeting, now)
