"""The rules every stage reads off a Meeting row: what it needs next, which lane its
provider calls go through, and who holds it.

Scheduling writes rows so that these rules give the right answer; dispatch carries out
what they say. Neither decides them for itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db.models import Q

from convener.meetings.models import Attempt, Meeting, MeetingState


class Operation(StrEnum):
    """The next step that brings the provider and the attendees in line with a row.

    The values of the provider calls are also the `operation` of their Attempt rows."""

    CREATE = "create"  # nothing at the provider yet (and no manual link)
    REFRESH = "refresh"  # made at the provider, but no link yet: read it again
    UPDATE = "update"  # the provider holds an older version than the row
    CANCEL = "cancel"  # cancel requested and something may exist at the provider
    INVITE = "invite"  # linked; the invitations of this version are not all sent
    ANNOUNCE_CANCELLATION = "announce_cancellation"  # nothing left remotely: tell attendees

    @property
    def calls_provider(self) -> bool:
        return self in PROVIDER_CALLS


PROVIDER_CALLS = frozenset(
    {Operation.CREATE, Operation.REFRESH, Operation.UPDATE, Operation.CANCEL}
)
# Creates and updates are what providers with a daily cap (Zoom) count.
COUNTED_WRITES = frozenset({Operation.CREATE, Operation.UPDATE})


def next_operation(meeting: Meeting) -> Operation | None:
    """What the row needs next; None when the provider and the attendees have it all."""
    if meeting.cancel_requested:
        if meeting.provider_meeting_id and meeting.remote_sequence >= 0:
            return Operation.CANCEL
        if not meeting.provider_meeting_id and _create_may_have_landed(meeting):
            return Operation.CANCEL  # look for what that create made, and remove it
        if meeting.state != MeetingState.CANCELLED:
            return Operation.ANNOUNCE_CANCELLATION
        return None
    if not meeting.provider_meeting_id and not meeting.manual_link:
        return Operation.CREATE
    if meeting.provider_meeting_id and not meeting.join_url:
        return Operation.REFRESH
    if meeting.provider_meeting_id and meeting.remote_sequence < meeting.sequence:
        return Operation.UPDATE
    if meeting.state == MeetingState.LINKED and meeting.send_invitations:
        return Operation.INVITE
    return None


def _create_may_have_landed(meeting: Meeting) -> bool:
    """A create was sent but never answered with an id (its answer lost, or refused in a
    way that may have come after the provider made it), and no cancel has looked since."""
    if not meeting.attempt_log.filter(operation=Operation.CREATE).exists():
        return False
    looked = meeting.attempt_log.filter(operation=Operation.CANCEL, outcome=Attempt.Outcome.OK)
    return not looked.exists()


def lane_for(provider: str, connection_id: int | None) -> str:
    """The pacing lane of a meeting's provider calls: its connection's, or its provider's
    when the provider needs no account (Jitsi)."""
    return f"connection:{connection_id}" if connection_id else f"provider:{provider}"


def lease() -> timedelta:
    return timedelta(seconds=float(settings.LEASE_SECONDS))


def unleased(now: datetime, *, via: str = "") -> Q:
    """Meetings nobody holds: no lease, or one that ran out (its worker died). `via` is
    the path to the meeting from another model ("meeting__")."""
    return Q(**{f"{via}lease_until__isnull": True}) | Q(**{f"{via}lease_until__lt": now})
