"""The event in its host's own calendar, when its meeting is not already there.

A Google Meet or Teams meeting *is* an event of its host's Google or Outlook calendar
(the provider's `calendar_event` capability), so it needs no second copy. Any other
event (Zoom, Jitsi, an address, a phone number, a custom link) whose host has a Google or
Microsoft account connected gets a plain entry there: its title, its times in its zone,
the link or the place as its location, and the description with the link and who is on
it. The host is the owner of the account that made the link, else the member who made
the event; their oldest calendar account is used, as the booking pages read it.

The entry carries no attendees: Convener's own invitations put the event in the guests'
calendars, and the provider would send a second invitation (Outlook cannot be told not
to). Google writes go with sendUpdates=none all the same.

Nothing here calls a provider: a change marks the event's CalendarCopy row due, and the
worker brings the calendar in line (convener.calendar.copy_worker).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from convener.calendar import links
from convener.calendar.models import CalendarCopy, Event, LocationType
from convener.connections.models import Connection
from convener.providers.base import CalendarEntry, MeetingSpec, Person
from convener.providers.registry import UnknownProvider, provider_class, recipe
from convener.team.models import User

PLACES = {
    LocationType.ADDRESS: "Where",
    LocationType.PHONE: "Phone",
    LocationType.LINK: "Join",
}


@dataclass(frozen=True)
class Target:
    """Where the entry goes, and what it holds (its key is the row's: `content` has none)."""

    connection: Connection
    content: CalendarEntry

    @property
    def digest(self) -> str:
        """What the remote entry holds when it is in step: compared, never shown."""
        fields = asdict(self.content) | {"connection": self.connection.pk}
        text = json.dumps(fields, default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def entry(self, key: str) -> CalendarEntry:
        return replace(self.content, event=replace(self.content.event, key=key))


def is_own_calendar_event(event: Event) -> bool:
    """The event's meeting is itself an event of its host's calendar (Meet, Teams)."""
    return event.is_video and provider_class(event.location_type).capabilities.calendar_event


def host_of(event: Event) -> User | None:
    """The owner of the account that made the link, else the member who made the event."""
    meeting = links.live(links.meeting_of(event)) if event.is_video else None
    if meeting is not None and meeting.connection is not None and meeting.connection.user:
        return meeting.connection.user
    return event.created_by


def calendar_of(user: User) -> Connection | None:
    """The user's own oldest account whose provider keeps a calendar."""
    for connection in (
        Connection.objects.filter(
            user=user,
            level=Connection.Level.USER,
            status__in=[Connection.Status.ACTIVE, Connection.Status.NEEDS_RECONNECT],
        )
        .select_related("user")
        .order_by("created_at", "pk")
    ):
        try:
            if recipe(connection.provider).capabilities.calendar_event:
                return connection
        except UnknownProvider:
            continue
    return None


def _link_and_place(event: Event) -> tuple[str, str]:
    """(the meeting link, the address or phone number) the entry shows."""
    if event.is_video:
        meeting = links.live(links.meeting_of(event))
        return (meeting.join_url if meeting is not None else "") or event.manual_link, ""
    if event.location_type == LocationType.LINK:
        return event.location_detail, ""
    if event.location_type in PLACES:
        return "", event.location_detail
    return "", ""


def _description(event: Event, link: str, place: str) -> str:
    lines = [event.description.strip()] if event.description.strip() else []
    if link:
        lines.append(f"Join: {link}")
    elif event.is_video:
        lines.append(f"The {event.get_location_type_display()} link is on its way.")
    if place:
        lines.append(f"{PLACES[LocationType(event.location_type)]}: {place}")
    names = [p.name or p.email for p in links.people(event)]
    if names:
        lines.append("Participants: " + ", ".join(names))
    lines.append("Convener sends the invitations to everyone on the event.")
    return "\n\n".join(lines)


def target_of(event: Event | None) -> Target | None:
    """Where the event's entry should be and what it should hold; None: nowhere."""
    if event is None or is_own_calendar_event(event):
        return None
    host = host_of(event)
    connection = calendar_of(host) if host is not None else None
    if connection is None:
        return None
    link, place = _link_and_place(event)
    owner = connection.user
    return Target(
        connection,
        CalendarEntry(
            MeetingSpec(
                key="",
                title=event.title,
                start=event.start,
                end=event.end,
                timezone=event.timezone,
                description=_description(event, link, place),
                host=Person(owner.email, owner.display_name) if owner and owner.email else None,
            ),
            location=link or place,
        ),
    )


def nudge() -> None:
    from convener.calendar.tasks import sync_copies  # tasks import the worker, which imports us

    transaction.on_commit(lambda: sync_copies.enqueue())


def mark_due(rows: QuerySet[CalendarCopy]) -> bool:
    """Mark the rows due now; whether there were any. Their tries go on being counted:
    a make retried after a lost answer is told by them (copy_worker._put)."""
    return bool(rows.update(due_at=timezone.now(), changes=F("changes") + 1))


def follow(event: Event) -> None:
    """After a change of the event (or of its meeting's link, or its host's accounts):
    its entry is brought in line by the worker. A row is made only for an event that
    wants an entry; one that has a row keeps it until the worker removes the entry."""
    with transaction.atomic():
        if not mark_due(CalendarCopy.objects.filter(event=event)):
            if (target := target_of(event)) is None:
                return
            CalendarCopy.objects.get_or_create(
                event=event, defaults={"due_at": timezone.now(), "connection": target.connection}
            )
    nudge()


def on_event_deleted(sender: Any, instance: Event, **kwargs: Any) -> None:
    """pre_delete of Event, however it is deleted: its entry is removed by the worker (the
    row outlives the event for that). In the deletion's transaction, so the worker sees
    the row due and without its event together."""
    if mark_due(CalendarCopy.objects.filter(event=instance)):
        nudge()


def follow_connection(connection_id: int) -> None:
    """A host's account was (re)connected: entries waiting for it go on."""
    if mark_due(
        CalendarCopy.objects.filter(connection=connection_id, due_at__isnull=True).exclude(
            problem=""
        )
    ):
        nudge()


def copy_of(event: Event) -> CalendarCopy | None:
    return CalendarCopy.objects.filter(event=event).select_related("connection__user").first()


def state_in_words(copy: CalendarCopy | None) -> str:
    """What the event page says of the host's calendar entry."""
    if copy is None or copy.connection is None:
        return ""
    owner = copy.connection.user
    who = owner.display_name if owner else (copy.connection.account_email or "the host")
    account = copy.connection.account_email or recipe(copy.connection.provider).name
    if copy.problem:
        return f"Not in {who}'s calendar ({account}) yet: {copy.problem}"
    if copy.remote_id and copy.due_at is None:
        return f"In {who}'s calendar ({account})"
    return f"Being put in {who}'s calendar ({account})"
