"""The invitation email for one recipient: subject, text, HTML and the ICS."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.template import Context, Template
from django.template.loader import get_template
from django.utils import timezone

from convener.invitations.ics import IcsEvent, Party, build_ics
from convener.meetings.models import Attendee, InvitationTemplate, Meeting
from convener.plaintext import one_line
from convener.timezones import is_iana_zone


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    timezone: str  # where this person reads the time


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str
    ics: str


def meeting_ics(
    meeting: Meeting, *, method: str, organizer: Party, attendees: tuple[Party, ...]
) -> str:
    """The meeting's calendar object as of its current version (UID and SEQUENCE)."""
    return build_ics(
        IcsEvent(
            uid=f"{meeting.uid}@convener",
            sequence=meeting.sequence,
            method=method,
            title=meeting.title,
            description=meeting.description,
            start=meeting.start,
            end=meeting.end,
            timezone=meeting.timezone,
            join_url=meeting.join_url,
            passcode=meeting.passcode,
            organizer=organizer,
            attendees=attendees,
            stamp=timezone.now(),
        )
    )


def organizer_of(meeting: Meeting) -> Party:
    if meeting.host is not None and meeting.host.email:
        return Party(meeting.host.email, one_line(meeting.host.display_name))
    name, address = parseaddr(settings.EMAIL_FROM)
    return Party(address or "meetings@localhost", name or "Convener")


def recipients_of(meeting: Meeting) -> list[Recipient]:
    """The contact always; team members and external emails when the action includes them."""
    include_others = meeting.action.include_attendees if meeting.action else True
    result: list[Recipient] = []
    # A no-op when the caller prefetched them (a sync step does, for the provider too).
    prefetch_related_objects(
        [meeting], Prefetch("attendees", queryset=Attendee.objects.select_related("user"))
    )
    for attendee in meeting.attendees.all():
        if attendee.kind != Attendee.Kind.CONTACT and not include_others:
            continue
        zone = meeting.timezone
        if attendee.kind == Attendee.Kind.CONTACT and meeting.contact is not None:
            zone = meeting.contact.timezone or zone
        elif attendee.user is not None:
            zone = attendee.user.timezone or zone
        result.append(
            Recipient(attendee.email, attendee.name, zone if is_iana_zone(zone) else "UTC")
        )
    return result


def _when(start: datetime, end: datetime, zone: str) -> str:
    tz = ZoneInfo(zone)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    day = f"{local_start:%A} {local_start.day} {local_start:%B %Y}"
    end_text = f"{local_end:%H:%M}"
    if local_end.date() != local_start.date():
        end_text = f"{local_end:%A} {local_end.day} {local_end:%B} {local_end:%H:%M}"
    return f"{day}, {local_start:%H:%M}\N{EN DASH}{end_text} ({local_start:%Z})"


class Bodies:
    """The text and HTML templates of invitations: the administrator's, else built in."""

    def __init__(self) -> None:
        custom = InvitationTemplate.objects.order_by("-updated_at").first()
        self.logo_url = custom.logo_url if custom else ""
        self._text = Template(custom.text_template) if custom else None
        self._html = Template(custom.html_template) if custom else None

    def render(self, context: dict[str, object]) -> tuple[str, str]:
        context = {**context, "logo_url": self.logo_url}
        if self._text is None or self._html is None:
            return (
                get_template("meetings/email/invitation.txt").render(context),
                get_template("meetings/email/invitation.html").render(context),
            )
        return (
            self._text.render(Context(context, autoescape=False)),
            self._html.render(Context(context)),
        )


_shared = threading.local()


@contextlib.contextmanager
def shared_bodies() -> Iterator[None]:
    """The invitations composed on this thread meanwhile share one read of the templates
    (a worker writing a batch of meetings' invitations in one transaction)."""
    if getattr(_shared, "bodies", None) is not None:
        yield
        return
    _shared.bodies = Bodies()
    try:
        yield
    finally:
        _shared.bodies = None


def current_bodies() -> Bodies:
    """The templates shared by the batch under way on this thread, or read now."""
    shared: Bodies | None = getattr(_shared, "bodies", None)
    return shared if shared is not None else Bodies()


def compose(
    meeting: Meeting,
    recipient: Recipient,
    method: str,
    bodies: Bodies | None = None,
    everyone: list[Recipient] | None = None,
    ics: str | None = None,
) -> Composed:
    """One recipient's email; `everyone` (the meeting's recipients, when the caller has
    them already) becomes the ATTENDEE list of the ICS. `ics`: the calendar another
    recipient's email of the same version and method carries (it is the same for all)."""
    cancelled = method == "CANCEL"
    organizer = organizer_of(meeting)
    context = {
        "recipient_name": recipient.name,
        "organizer_name": organizer.name or organizer.email,
        "title": meeting.title,
        "description": meeting.description,
        "when": _when(meeting.start, meeting.end, recipient.timezone),
        "when_meeting_zone": _when(meeting.start, meeting.end, meeting.timezone),
        "recipient_zone": recipient.timezone,
        "meeting_zone": meeting.timezone,
        "join_url": meeting.join_url,
        "passcode": meeting.passcode,
        "sequence": meeting.sequence,
        "cancelled": cancelled,
    }
    prefix = (
        "Cancelled" if cancelled else ("Updated invitation" if meeting.sequence else "Invitation")
    )
    local = meeting.start.astimezone(ZoneInfo(recipient.timezone))
    when = f"{local:%a} {local.day} {local:%b %Y %H:%M} ({local:%Z})"
    subject = f"{prefix}: {one_line(meeting.title)} @ {when}"
    if ics is None:
        everyone = recipients_of(meeting) if everyone is None else everyone
        attendees = tuple(Party(r.email, one_line(r.name)) for r in everyone)
        ics = meeting_ics(meeting, method=method, organizer=organizer, attendees=attendees)
    text, html = (bodies or current_bodies()).render(context)
    return Composed(subject=subject, text=text, html=html, ics=ics)
