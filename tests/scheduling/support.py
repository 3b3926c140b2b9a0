"""Schedule a meeting end to end and read what the attendees and the provider see.

Helpers for the tests that connect a real account at the Zoom or Google fake (over HTTP,
through its consent page), schedule a meeting, let sync run it (`run`, in-process),
change the meeting through `convener.scheduling.lifecycle`, run sync again, and then
check the calls the fake received, what the fake now holds, and the calendar invitation
parsed from the mail an aiosmtpd server received.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from html import unescape
from typing import Any, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx2
from django.utils import timezone
from icalendar import Calendar, vInt

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.dispatch.dispatcher import drain
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.connections.support import connect_through_oauth

BERLIN = ZoneInfo("Europe/Berlin")
CONTACT = "bob@example.org"
GUEST = "carol@partner.example"
OWNER = "ann@example.com"


# -- the fakes and accounts ---------------------------------------------------------------


def connect_zoom(client: Any, member: User) -> Connection:
    client.force_login(member)
    answer = connect_through_oauth(client, "zoom", OWNER)
    assert answer.status_code == 302
    return fast(Connection.objects.get(provider="zoom"))


def connect_google(client: Any, member: User) -> Connection:
    """Press Connect, tick every scope on Google's consent page, Allow, come back."""
    client.force_login(member)
    started = client.post("/connections/google_meet/connect/", {"level": "user"})
    assert started.status_code == 302, started.content
    page = httpx2.get(started.url)
    assert page.status_code == 200, page.text
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    scopes = re.findall(r'<input type="checkbox" name="scope" value="([^"]+)" checked>', page.text)
    base = "{0.scheme}://{0.netloc}".format(urlsplit(started.url))
    answer = httpx2.post(
        base + action, data={**hidden, "email": OWNER, "action": "allow", "scope": scopes}
    )
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    return fast(Connection.objects.get(provider="google_meet"))


def fast(connection: Connection) -> Connection:
    """The fakes take any pace; the provider's documented one would only slow the tests."""
    connection.requests_per_second = 200
    connection.save()
    return connection


def calls(server: FakeServer) -> Counter[str]:
    return Counter(httpx2.get(f"{server.url}/_fake/calls").json())


def new_calls(server: FakeServer, before: Counter[str]) -> dict[str, int]:
    after = calls(server)
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def fake_state(server: FakeServer) -> dict[str, Any]:
    return dict(httpx2.get(f"{server.url}/_fake/state").json())


def zoom_meeting(server: FakeServer, meeting: Meeting) -> dict[str, Any]:
    (remote,) = [m for m in fake_state(server)["meetings"] if m["key"] == meeting.key]
    return dict(remote)


def google_event(server: FakeServer, meeting: Meeting) -> dict[str, Any]:
    events = fake_state(server)["accounts"][OWNER]["events"]
    (event,) = [e for e in events if e["convener_key"] == meeting.key]
    return dict(event)


# -- scheduling and running --------------------------------------------------------------


def in_days(days: int, hour: int, minute: int = 0) -> datetime:
    """A Berlin wall time `days` from today (naive, as a person picks it)."""
    day: date = timezone.now().astimezone(BERLIN).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute))


def schedule(member: User, contact: Contact, provider: str, capture: Any) -> Meeting:
    with capture(execute=True):
        outcome = schedule_one_off(
            [contact],
            OneOffMeeting(
                title="Quarterly review",
                timezone="Europe/Berlin",
                start=in_days(14, 10),
                duration_minutes=30,
                provider=provider,
                external_emails=[GUEST],
                description="Numbers first.",
            ),
            requested_by=member,
            trigger=TriggerRef(TriggerKind.CONTACT, "tests"),
        )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    run(meeting)
    assert meeting.state == "invited", meeting.state_reason
    return meeting


def schedule_call(
    member: User, contact: Contact, provider: str, capture: Any, start: datetime, **extra: Any
) -> Meeting:
    """A one-off "Call" with the contact, scheduled (its lane nudged) and run once."""
    with capture(execute=True):
        outcome = schedule_one_off(
            [contact],
            OneOffMeeting(
                title="Call", timezone="Europe/Berlin", start=start, provider=provider, **extra
            ),
            requested_by=member,
            trigger=TriggerRef(TriggerKind.CONTACT, "tests"),
        )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    run(meeting)
    return meeting


def run(meeting: Meeting) -> None:
    """What the worker does: every due step of the meeting's lane, in-process."""
    drain(meeting.lane)
    meeting.refresh_from_db()


def nudged(callbacks: list[Any], meeting: Meeting) -> bool:
    """Whether the change enqueued its lane's drain task when it committed."""
    from django_tasks_db.models import DBTaskResult

    return (
        bool(callbacks)
        and DBTaskResult.objects.filter(
            task_path="convener.dispatch.tasks.drain_lane", args_kwargs__args=[meeting.lane]
        ).exists()
    )


# -- reading the invitations -------------------------------------------------------------


@dataclass
class Invite:
    """The calendar part of an invitation email, as a calendar client reads it."""

    content_method: str  # the text/calendar part's method= parameter
    method: str
    uid: str
    sequence: int
    status: str
    start: datetime
    end: datetime
    tzid: str
    location: str
    url: str
    conference: str
    description: str
    subject: str
    attendees: list[str]  # the ATTENDEE addresses, without mailto:


def invite(message: EmailMessage) -> Invite:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = Calendar.from_ical(part.get_content())
            (event,) = calendar.walk("VEVENT")
            return Invite(
                content_method=str(part.get_param("method")),
                method=str(calendar["METHOD"]),
                uid=str(event["UID"]),
                sequence=int(cast(vInt, event["SEQUENCE"])),
                status=str(event["STATUS"]),
                start=event.decoded("DTSTART"),
                end=event.decoded("DTEND"),
                tzid=str(event["DTSTART"].params.get("TZID", "")),
                location=str(event.get("LOCATION", "")),
                url=str(event.get("URL", "")),
                conference=str(event.get("CONFERENCE", "")),
                description=str(event.get("DESCRIPTION", "")),
                subject=str(message["Subject"]),
                attendees=[
                    str(a).removeprefix("mailto:")
                    for a in (
                        event.get("ATTENDEE")
                        if isinstance(event.get("ATTENDEE"), list)
                        else [event.get("ATTENDEE")]
                    )
                    if a
                ],
            )
    raise AssertionError("the email has no text/calendar part")


def invites(inbox: Inbox, address: str) -> list[Invite]:
    return [invite(m) for m in inbox.to(address) if m.get_content_type() == "multipart/mixed"]


def notices(inbox: Inbox, address: str) -> list[EmailMessage]:
    """Emails to a team member about their meetings (not invitations)."""
    return [m for m in inbox.to(address) if str(m["Subject"]).startswith("No meeting link")]
