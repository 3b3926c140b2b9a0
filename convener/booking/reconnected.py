"""Bookings whose meeting could not be made (the host had no account of the page's
provider) get it on their own as soon as an account that can host it is connected: the
host does not have to come back and press "Make the meeting"."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from convener.booking.models import Booking, BookingStatus
from convener.connections.models import Connection

log = logging.getLogger(__name__)


def connection_saved(sender: Any, instance: Connection, **kwargs: Any) -> None:
    if instance.status != Connection.Status.ACTIVE:
        return
    connection_id = instance.pk
    transaction.on_commit(lambda: make_waiting_meetings(connection_id))


def make_waiting_meetings(connection_id: int) -> int:
    """Make the missing meetings the connection can now host; returns how many."""
    from convener.booking import book

    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None or connection.status != Connection.Status.ACTIVE:
        return 0
    waiting = Booking.objects.filter(
        meeting=None,
        status=BookingStatus.CONFIRMED,
        end__gt=timezone.now(),
        page__provider=connection.provider,
    ).exclude(problem="")
    if connection.level == Connection.Level.USER:
        waiting = waiting.filter(Q(host_id=connection.user_id))
    made = 0
    for booking in waiting.select_related("page")[:200]:
        try:
            book.make_meeting_again(booking)
        except Exception:  # one booking's trouble must not stop the others, nor the connect
            log.exception("booking %s: the meeting could not be made again", booking.pk)
            continue
        made += booking.meeting_id is not None
    return made
