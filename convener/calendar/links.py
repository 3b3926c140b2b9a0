"""An event's meeting link, through the scheduling seam.

An event with a video location owns one meeting: TriggerRef(CALENDAR_EVENT, event id,
round). Saving the event again finds that meeting (the same trigger is the same
meeting), so a "Save" that regenerates a missing link is a new attempt on the same
meeting, never a second one. The round rises only when the meeting is cancelled because
the location changed (another provider, or no video), so that a later video location
makes a new meeting.

The host is the account of the person saving the event for that provider or, failing
that, of another team member on the event who has one (an active account first). When
nobody has one, the event is saved without a meeting and says why (`link_problem`);
the next save tries again. When the account needs reconnecting, the meeting is saved
waiting for it, and the reconnect makes the link by itself (dispatch.parking).

The meeting's contact is the event's first contact, or a contact made from its first
external address (owned by the person saving), since every meeting of the pipeline is
with a contact; the other participants are its attendees.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from convener.calendar.models import Event
from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import (
    Attendee,
    CredentialsPolicy,
    Meeting,
    MeetingAction,
    MeetingState,
)
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.providers.registry import provider_class
from convener.scheduling import lifecycle
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.attendance import Person, set_attendees
from convener.scheduling.placeholders import literal
from convener.scheduling.request import FixedStart, ScheduleRequest
from convener.scheduling.schedule import schedule
from convener.scheduling.validation import validate_action
from convener.team.access import may_add_contacts, may_use_connection
from convener.team.models import User


def trigger_of(event: Event) -> TriggerRef:
    return TriggerRef(TriggerKind.CALENDAR_EVENT, str(event.pk), str(event.meeting_round + 1))


def meeting_of(event: Event) -> Meeting | None:
    """The event's current meeting, cancelled or not."""
    if event.pk is None:
        return None
    return (
        Meeting.objects.filter(trigger_key__startswith=trigger_of(event).prefix)
        .select_related("connection", "connection__user", "host")
        .first()
    )


def live(meeting: Meeting | None) -> Meeting | None:
    if meeting is None or meeting.cancel_requested or meeting.state == MeetingState.CANCELLED:
        return None
    return meeting


def people(event: Event) -> list[Person]:
    """Everyone on the event, as the meeting's attendees: contacts, team members, then
    external addresses."""
    found = [Person(c.email, c.name, Attendee.Kind.CONTACT) for c in event.contacts.all()]
    found += [
        Person(u.email, u.display_name, Attendee.Kind.INTERNAL, u)
        for u in event.members.all()
        if u.email
    ]
    found += [Person(e, "", Attendee.Kind.EXTERNAL) for e in event.external_emails or []]
    return found


@dataclass(frozen=True)
class HostAccount:
    user: User | None  # None: the provider needs no account (Jitsi)
    connection: Connection | None


def choose_host(event: Event, by: User) -> HostAccount:
    """The account that makes the link: `by`'s, else another member's on the event; an
    active account before one that needs reconnecting. Raises NoUsableConnection saying
    what to connect."""
    cls = provider_class(event.location_type)
    if not cls.capabilities.needs_connection:
        return HostAccount(by, None)
    candidates = [by] + [u for u in event.members.all() if u.pk != by.pk]
    accounts = {
        c.user_id: c
        for c in Connection.objects.filter(
            provider=event.location_type,
            level=Connection.Level.USER,
            user__in=candidates,
            status__in=[Connection.Status.ACTIVE, Connection.Status.NEEDS_RECONNECT],
        ).order_by("-created_at")
    }
    usable: list[HostAccount] = []
    refused: list[User] = []
    for user in candidates:
        connection = accounts.get(user.pk)
        if connection is None:
            continue
        if may_use_connection(by, connection):
            usable.append(HostAccount(user, connection))
        else:
            refused.append(user)
    active = [h for h in usable if h.connection and h.connection.status == "active"]
    if active or usable:
        return (active or usable)[0]
    message = (
        f"Nobody on this event has a connected {cls.name} account. "
        f"Connect {cls.name} in Connections, or add a team member who has one"
    )
    if refused:
        message += (
            f"; {refused[0].display_name}'s {cls.name} account is connected, but using it needs "
            "the permission “Use other users' accounts” (ask an administrator)"
        )
    raise NoUsableConnection(message + ".")


def meeting_contact(event: Event, by: User) -> Contact | None:
    """The contact the meeting is with: the first contact on the event, else the first
    external address as a contact (found, or made and owned by `by`)."""
    first = event.contacts.order_by("pk").first()
    if first is not None:
        return first
    for email in event.external_emails or []:
        found = Contact.objects.with_email(email).first()
        if found is not None:
            return found
        if not may_add_contacts(by):
            raise NoUsableConnection(
                f"The meeting is with a contact, and {email} is not one yet; adding it needs "
                "the permission to edit your own contacts (ask an administrator), or add a "
                "contact to the event"
            )
        return Contact.objects.create(email=email, owner=by)
    return None


def _action(event: Event, host: HostAccount, by: User, contact: Contact) -> MeetingAction:
    others = [p for p in people(event) if p.email.lower() != contact.email.lower()]
    return MeetingAction(
        name=event.title[:160],
        provider=event.location_type,
        credentials=CredentialsPolicy.NAMED_USER,
        named_user=host.user,
        title_template=literal(event.title),
        description_template=literal(event.description),
        duration_minutes=event.duration_minutes,
        timezone=event.timezone,
        send_invitations=True,
        include_attendees=True,
        external_emails=[p.email for p in others if p.kind == Attendee.Kind.EXTERNAL],
        created_by=by,
    )


def _set_problem(event: Event, problem: str) -> None:
    problem = problem[:400]
    if event.link_problem != problem:
        event.link_problem = problem
        Event.objects.filter(pk=event.pk).update(link_problem=problem)


def make_link(event: Event, by: User) -> Meeting | None:
    """Make the event's meeting, or find it and, when it has no link, make it due now
    (a save regenerates a missing link). Never raises for a link that cannot be made:
    the reason is kept on the event, or on the meeting, and shown."""
    if not event.is_video:
        _set_problem(event, "")
        return None
    meeting = live(meeting_of(event))
    if meeting is not None:
        _set_problem(event, "")
        if not meeting.join_url and not meeting.manual_link:
            # Busy: a worker is on it right now, making the link anyway.
            with contextlib.suppress(ValidationError, lifecycle.MeetingBusy):
                lifecycle.save_meeting(meeting, {})
        return meeting
    try:
        host = choose_host(event, by)
        contact = meeting_contact(event, by)
        if contact is None:
            raise NoUsableConnection(
                "A video meeting needs a contact or a guest's email address to invite."
            )
        action = _action(event, host, by, contact)
        validate_action(action)
        members = [u for u in event.members.all() if u.email]
        with transaction.atomic():
            outcome = schedule(
                ScheduleRequest(
                    action=action,
                    contact_ids=[contact.pk],
                    trigger=trigger_of(event),
                    requested_by=by,
                    start=FixedStart(event.start, event.timezone),
                    internal_attendees=members,
                )
            )
        if outcome.skipped:
            raise NoUsableConnection(outcome.skipped[0].reason)
    except NoUsableConnection as exc:
        _set_problem(event, str(exc))
        return None
    except ValidationError as exc:
        _set_problem(event, "; ".join(exc.messages))
        return None
    _set_problem(event, "")
    return meeting_of(event)


@dataclass(frozen=True)
class Snapshot:
    """What of an event its meeting follows, before a change."""

    title: str
    description: str
    start: object
    end: object
    timezone: str
    location_type: str
    people: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, event: Event) -> Snapshot:
        return cls(
            event.title,
            event.description,
            event.start,
            event.end,
            event.timezone,
            event.location_type,
            frozenset((p.email.lower(), p.kind) for p in people(event)),
        )


def follow(event: Event, before: Snapshot | None, by: User) -> Meeting | None:
    """Bring the event's meeting in line with the event after a save: a new location
    cancels the old meeting; moved times, a new title and new participants update it
    (and the invitations go out again); a missing link is made again."""
    meeting = live(meeting_of(event))
    if meeting is not None and before is not None and before.location_type != event.location_type:
        lifecycle.cancel(meeting)
        event.meeting_round += 1
        Event.objects.filter(pk=event.pk).update(meeting_round=event.meeting_round)
        meeting = None
    if meeting is not None and before is not None:
        now = Snapshot.of(event)
        changes: dict[str, object] = {}
        if (now.start, now.end, now.timezone) != (before.start, before.end, before.timezone):
            changes.update(start=event.start, end=event.end, timezone=event.timezone)
        if (now.title, now.description) != (before.title, before.description):
            changes.update(title=event.title, description=event.description)
        try:
            if changes:
                lifecycle.save_meeting(meeting, changes)
            if now.people != before.people:
                set_attendees(meeting, people(event))
        except (ValidationError, lifecycle.MeetingBusy) as exc:
            reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            _set_problem(event, f"The meeting did not follow this change: {reason}")
            return meeting
    return make_link(event, by)


def set_manual_link(event: Event, url: str) -> None:
    """A link pasted by hand: the meeting's when it has one (the invitations go out with
    it, and no generated link replaces it), else the event's own until there is one."""
    meeting = live(meeting_of(event))
    if meeting is not None:
        if (meeting.join_url if meeting.manual_link else "") != url:
            lifecycle.set_manual_link(meeting, url)
        url = ""
    if event.manual_link != url:
        event.manual_link = url
        Event.objects.filter(pk=event.pk).update(manual_link=url)


def cancel(event: Event) -> None:
    """The event is deleted: its meeting is cancelled at the provider and everyone on it
    gets a CANCEL."""
    meeting = live(meeting_of(event))
    if meeting is not None:
        lifecycle.cancel(meeting)


def account_in_words(meeting: Meeting) -> str:
    """Whose account made the link: "Link made with Ana Pérez's Zoom account"."""
    cls = provider_class(meeting.provider)
    name = cls.name
    if not cls.capabilities.needs_connection:
        return f"{name} needs no account: the link is a room of its own"
    if meeting.connection is None:
        return ""
    owner = meeting.connection.user
    who = owner.display_name if owner else (meeting.connection.account_email or "the organization")
    return f"Link made with {who}'s {name} account"
