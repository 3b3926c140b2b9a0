"""Connecting an account, and putting back to work the meetings that waited for it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from convener.connections.connect import save_connection
from convener.connections.models import Connection
from convener.dispatch.tasks import enqueue_lanes
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.state import lane_for


def connect_account(**details: Any) -> tuple[Connection, int]:
    """Save the connection (see connections.connect.save_connection) and resume what
    waited for it, in one transaction: a crash between the two leaves neither. Returns
    the connection and how many meetings resumed."""
    with transaction.atomic():
        connection = save_connection(**details)
        return connection, resume_waiting_meetings(connection)


def resume_waiting_meetings(connection: Connection) -> int:
    """After a (re)connect: the meetings parked on this connection go back to work.

    Meetings whose connection was removed (connection is null) are taken over too: for a
    user connection those its user hosts, for an organization connection all of the
    provider's. The waiting ones resume; the others get a connection for their next
    change. Their links stay as they are."""
    lane = lane_for(connection.provider, connection.pk)
    orphans = Meeting.objects.filter(connection__isnull=True, provider=connection.provider).exclude(
        state=MeetingState.CANCELLED
    )
    if connection.level == Connection.Level.USER:
        orphans = orphans.filter(host=connection.user)
    with transaction.atomic():
        orphans.update(connection=connection, lane=lane)
        waiting = list(
            Meeting.objects.filter(
                connection=connection, state=MeetingState.WAITING_CONNECTION
            ).values_list("pk", flat=True)
        )
        Meeting.objects.filter(pk__in=waiting).update(
            state=MeetingState.PLANNED, state_reason="", next_attempt_at=timezone.now()
        )
        enqueue_lanes([lane])
    return len(waiting)
