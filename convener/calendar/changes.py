"""Saving and deleting an event, and its meeting and host calendar entry following it.

The event is saved first, in its own transaction: whatever happens to the link, the
event is on the calendar. The meeting follows once that has committed, since a lifecycle
change takes the meeting's lease outside any transaction (convener.scheduling.lifecycle);
then the entry in the host's own calendar is marked for the worker (copies; a deleted
event's on its way out, whoever deletes it).
"""

from __future__ import annotations

from django.db import transaction

from convener.calendar import copies, links
from convener.calendar.forms import EventFields
from convener.calendar.models import Event
from convener.team.models import User


def save_event(event: Event | None, fields: EventFields, by: User) -> Event:
    before = links.Snapshot.of(event) if event is not None and event.pk else None
    with transaction.atomic():
        if event is None:
            event = Event(created_by=by)
        event.title = fields.title
        event.description = fields.description
        event.start, event.end, event.timezone = fields.start, fields.end, fields.timezone
        event.location_type = fields.location_type
        event.location_detail = fields.location_detail
        event.save()
        event.members.set(fields.members)
        event.contacts.set(fields.contacts)
        event.external_emails = fields.external_emails
        event.save(update_fields=["external_emails"])
    links.follow(event, before, by)
    if event.is_video:
        links.set_manual_link(event, fields.manual_link)
    elif event.manual_link:
        Event.objects.filter(pk=event.pk).update(manual_link="")
        event.manual_link = ""
    copies.follow(event)
    return event


def delete_event(event: Event) -> None:
    """Cancel its meeting (a CANCEL to everyone on it), then remove the event; its entry
    in the host's calendar is removed by the worker."""
    links.cancel(event)
    event.delete()
