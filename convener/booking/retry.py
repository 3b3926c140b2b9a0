"""Bookings whose meeting could not be made get it on their own, without the host coming
back to press "Make the meeting":

- as soon as an account that can host it is connected (or reconnected), as calendar
  events do (`convener.connections.connected`);
- and on a timed retry with backoff, by the worker's loop (`loop`, registered in
  `convener.dispatch.periodic`): for what no connect announces, such as an error of ours
  at the first try, or a connect whose process ended before its try ran (the try runs
  after the commit, in that process).

Once the meeting exists, its link, its retries and its invitations are the dispatch
pipeline's, as for every meeting: the visitor gets the invitation with the link then.
A booking is tried until it ends; after that a meeting would be of no use.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from convener.booking.models import Booking, BookingStatus
from convener.connections.connected import when_connected
from convener.connections.models import Connection
from convener.dispatch import periodic
from convener.dispatch.backoff import retry_delay

log = logging.getLogger(__name__)

BATCH = 200  # bookings tried in one round; the next round takes the rest
EVERY = 30.0  # seconds between the worker's rounds


def after_attempt(booking: Booking, *, made: bool) -> tuple[int, datetime | None]:
    """The booking's count of tries and its next try, after one that made the meeting
    (`made`: nothing more to try) or not (the next one later, with backoff)."""
    if made:
        return 0, None
    attempts = booking.meeting_attempts + 1
    return attempts, timezone.now() + retry_delay(attempts)


def _waiting() -> Q:
    return Q(meeting=None, status=BookingStatus.CONFIRMED, end__gt=timezone.now())


def _try(bookings: list[Booking]) -> int:
    """Make the meetings of `bookings`; how many now have one."""
    from convener.booking import book

    made = 0
    for booking in bookings:
        try:
            book.make_meeting_again(booking)
        except Exception:  # one booking's trouble must not stop the others
            log.exception("booking %s: the meeting could not be made again", booking.pk)
            continue
        made += booking.meeting_id is not None
    return made


def make_waiting_meetings(connection_id: int) -> int:
    """Make the missing meetings the connection can now host; returns how many."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None or connection.status != Connection.Status.ACTIVE:
        return 0
    waiting = Booking.objects.filter(_waiting(), page__provider=connection.provider).exclude(
        problem=""
    )
    if connection.level == Connection.Level.USER:
        waiting = waiting.filter(host_id=connection.user_id)
    return _try(list(waiting.select_related("page").order_by("start")[:BATCH]))


# post_save of Connection: a host's account, or the organization's, may host them.
connection_saved = when_connected(
    make_waiting_meetings, levels={Connection.Level.USER, Connection.Level.ORGANIZATION}
)


def retry_due(now: datetime | None = None) -> int:
    """Try again the bookings whose next try is due; how many got their meeting. Each is
    claimed first (its next try moved on), so two workers never try one at once."""
    now = now or timezone.now()
    due = Booking.objects.filter(_waiting(), next_meeting_attempt__lte=now).order_by(
        "next_meeting_attempt"
    )
    claimed = []
    for booking in due.select_related("page")[:BATCH]:
        later = now + retry_delay(booking.meeting_attempts + 1)
        taken = Booking.objects.filter(
            pk=booking.pk, next_meeting_attempt=booking.next_meeting_attempt
        ).update(next_meeting_attempt=later)
        if taken:
            claimed.append(booking)
    return _try(claimed)


# The worker's loop (convener.dispatch.periodic), registered by the app.
loop = periodic.repeating(retry_due, EVERY, "booking meetings")
