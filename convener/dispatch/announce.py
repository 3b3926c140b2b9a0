"""The steps that need no provider call: sending a version's invitations, and telling the
attendees of a cancelled meeting."""

from __future__ import annotations

import logging

from convener.dispatch.release import release
from convener.invitations.delivery import Round, deliver
from convener.invitations.failures import max_attempts as max_invitation_attempts
from convener.invitations.failures import retry_delay as invitation_retry_delay
from convener.meetings.models import Meeting, MeetingState

log = logging.getLogger(__name__)


def invite(meeting: Meeting) -> None:
    try:
        invitations = deliver(meeting)
    except Exception as exc:  # e.g. an invitation template that fails to render
        not_prepared(meeting, exc)
        return
    settle(meeting, invitations)


def not_prepared(meeting: Meeting, exc: Exception) -> None:
    """The invitations could not be written. Keep what the step achieved (the link) and
    try them again later, instead of letting the lease run out and the provider step be
    redone; a bounded number of times, since a template that cannot render will not
    start to."""
    log.error("meeting %s: invitations could not be prepared", meeting.pk, exc_info=exc)
    meeting.attempts += 1
    error = f"{type(exc).__name__}: {exc}"
    if meeting.attempts >= max_invitation_attempts():
        meeting.state_reason = (
            f"invitations not sent: {error} (gave up after {meeting.attempts} attempts)"
        )[:500]
        release(meeting)
        return
    meeting.state_reason = f"invitations not sent yet: {error}"[:500]
    release(meeting, due_in=invitation_retry_delay(meeting.attempts))


def settle(meeting: Meeting, invitations: Round) -> None:
    """Release the meeting after a round of its invitations: invited once they are all
    sent (or held, or undeliverable), due again for the rest otherwise."""
    if invitations.settled:
        meeting.state = MeetingState.INVITED
        meeting.state_reason = invitations.reason()
        meeting.attempts = 0
    release(meeting, due_in=None if invitations.settled else invitations.retry_in)


def announce_cancellation(meeting: Meeting) -> None:
    """Nothing is left at the provider: send the CANCEL to whoever had the invitation,
    then mark the meeting cancelled."""
    told = Round()
    if meeting.deliveries.filter(method="REQUEST").exists() and meeting.send_invitations:
        told = deliver(meeting, "CANCEL")
    if not told.settled:
        # Not everyone has the CANCEL yet (SMTP down): stay due and send the rest later;
        # the Delivery rows keep anyone from getting it twice.
        meeting.state_reason = "cancelled; the cancellation emails are waiting to be sent"
        release(meeting, due_in=told.retry_in)
        return
    meeting.state = MeetingState.CANCELLED
    meeting.state_reason = f"cancellation {told.reason()}" if told.undeliverable else ""
    release(meeting)
