"""Events left without a link because nobody on them had an account get it by themselves
once someone does: when a team member's account for that provider is connected (or
reconnected), the upcoming events it can host are tried again, as a save would.

Entries in a host's own calendar (convener.calendar.copies) follow the same way: a
(re)connected calendar account takes the entries that waited for it and those of the
upcoming events its owner made, and a calendar event's meeting that changes (its link
made) has its entry brought up to date.

A meeting that exists and waits for its account to be reconnected needs nothing from
here: the outage machinery resumes it (convener.dispatch.parking).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Q
from django.utils import timezone

from convener.calendar import copies, links
from convener.calendar.models import CalendarCopy, Event
from convener.connections.connected import when_connected
from convener.connections.models import Connection
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind

log = logging.getLogger(__name__)

# A reconnect retries at most this many events at once; a save retries any other.
BATCH = 50


def waiting_for(connection: Connection) -> list[Event]:
    """The upcoming events without a meeting that this account could host."""
    return list(
        Event.objects.filter(
            location_type=connection.provider,
            end__gt=timezone.now(),
        )
        .exclude(link_problem="")
        .filter(Q(created_by=connection.user_id) | Q(members=connection.user_id))
        .distinct()
        .order_by("start")[:BATCH]
    )


def retry_for(connection_id: int) -> int:
    """Try again the events this account can now host; how many were tried."""
    connection = Connection.objects.filter(pk=connection_id).select_related("user").first()
    if connection is None or connection.status != Connection.Status.ACTIVE:
        return 0
    copies.follow_connection(connection.pk)
    if connection.user is not None:
        for event in Event.objects.filter(
            created_by=connection.user, end__gt=timezone.now(), calendar_copy__isnull=True
        ).order_by("start")[:BATCH]:
            copies.follow(event)
    events = waiting_for(connection)
    for event in events:
        by = event.created_by or connection.user
        if by is None:
            continue
        try:
            links.make_link(event, by)
        except Exception:  # one event's failure must not keep the others waiting
            log.exception("calendar event %s: the link could not be tried again", event.pk)
    return len(events)


# post_save of Connection: a member's active account may host waiting events.
on_connection_saved = when_connected(retry_for, levels={Connection.Level.USER})


def on_meeting_saved(sender: Any, instance: Meeting, **kwargs: Any) -> None:
    """post_save of Meeting: a calendar event's meeting changed (its link made, or
    another), so the event's entry in its host's calendar is looked at again. Entries
    that wait for a save or a reconnect keep waiting."""
    if instance.trigger != TriggerKind.CALENDAR_EVENT or not instance.trigger_source.isdigit():
        return
    waiting = CalendarCopy.objects.filter(
        event_id=int(instance.trigger_source), due_at__isnull=True, problem=""
    )
    if copies.mark_due(waiting):
        copies.nudge()
