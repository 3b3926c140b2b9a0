"""Parking a meeting until its connection is reconnected, decided under the connection's
row lock.

Whether a meeting waits for its connection must not depend on who read the connection
row first. A reconnect saves the connection and resumes the meetings parked on it in one
transaction that holds the row lock (scheduling.resume); parking takes the same lock and
reads the row afresh. So either the park commits first and the reconnect resumes it, or
the reconnect commits first and the park sees an active account and does not park. The
sweeper's `release_stranded` is the backstop for rows parked any other way.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from convener.connections.models import Connection
from convener.connections.status import flag_needs_reconnect, tell_owners
from convener.dispatch.release import release
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.state import unleased
from convener.providers.registry import provider_class


def waiting_reason(connection: Connection, provider_name: str) -> str:
    """What a meeting waiting for this connection says, in the words of the page."""
    who = connection.account_email or connection.account_name or f"#{connection.pk}"
    why = connection.status_reason or connection.get_status_display()
    return f"waiting for the {provider_name} account {who} to be reconnected: {why}"


def park(
    meeting: Meeting, reason: str | None, *, seen_connected_at: datetime | None, refused: bool
) -> Connection | None:
    """Park `meeting` on its connection (waiting for a reconnect, nothing due) unless the
    connection is usable now. Returns None when parked, else the connection as it is now,
    for the caller to go on with.

    `seen_connected_at`: the (re)connection the caller judged. `refused`: the provider
    refused this connection's credentials during the call; when the account is active and
    not reconnected since, that refusal marks it "needs reconnect" (its owner is told).
    `reason`: the meeting's reason; None reads it off the connection."""
    flagged = False
    with transaction.atomic():
        fresh = (
            Connection.objects.select_for_update().filter(pk=meeting.connection_id).first()
            if meeting.connection_id
            else None
        )
        if fresh is not None and fresh.status == Connection.Status.ACTIVE:
            if not refused or fresh.connected_at != seen_connected_at:
                return fresh  # reconnected since it was read: go on with the new credentials
            # The provider refused an account nobody has reconnected since: it needs
            # reconnecting, whatever its row said (a refused call, not a refused renewal).
            flagged = flag_needs_reconnect(
                fresh.pk,
                reason or "the provider refused the credentials",
                connected_at=fresh.connected_at,
            )
            fresh.refresh_from_db(fields=["status", "status_reason"])
        meeting.state = MeetingState.WAITING_CONNECTION
        if reason is None and fresh is not None:
            reason = waiting_reason(fresh, provider_class(meeting.provider).name)
        meeting.state_reason = reason or "waiting for the account to be reconnected"
        release(meeting)
    if flagged and fresh is not None:
        tell_owners(fresh.pk, fresh.status_reason)
    return None


def release_stranded() -> int:
    """Meetings waiting for a connection that is active again go back to work (those
    parked by code that did not take the lock, or by a process that died half-way)."""
    now = timezone.now()
    return Meeting.objects.filter(
        unleased(now),
        state=MeetingState.WAITING_CONNECTION,
        connection__status=Connection.Status.ACTIVE,
    ).update(state=MeetingState.PLANNED, state_reason="", next_attempt_at=now)
