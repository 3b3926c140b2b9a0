"""Reschedule, cancel, a link by hand and regenerate-on-save, end to end.

Each test connects a real account at the Zoom or Google fake (over HTTP, through its
consent page), schedules a meeting, lets sync run it (`drain`, in-process), changes the
meeting through `convener.scheduling.lifecycle`, runs sync again, then checks what the
attendees and the provider would see: the calls the fake received, what the fake now
holds, and the calendar invitation parsed from the mail an aiosmtpd server received.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from html import unescape
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx2
import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.dispatch.dispatcher import drain
from convener.dispatch.sweeper import sweep
from convener.meetings.models import Attempt, Delivery, Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling import lifecycle
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox, free_port
from tests.connections.support import connect_through_oauth

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
CONTACT = "bob@example.org"
GUEST = "carol@partner.example"
OWNER = "ann@example.com"


# -- the fakes and accounts --------------------------------------------------------------


def connect_zoom(client: Any, member: Any) -> Connection:
    client.force_login(member)
    answer = connect_through_oauth(client, "zoom", OWNER)
    assert answer.status_code == 302
    return fast(Connection.objects.get(provider="zoom"))


def connect_google(client: Any, member: Any) -> Connection:
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
    return remote


def google_event(server: FakeServer, meeting: Meeting) -> dict[str, Any]:
    events = fake_state(server)["accounts"][OWNER]["events"]
    (event,) = [e for e in events if e["convener_key"] == meeting.key]
    return dict(event)


# -- scheduling and running --------------------------------------------------------------


def in_days(days: int, hour: int, minute: int = 0) -> datetime:
    """A Berlin wall time `days` from today (naive, as a person picks it)."""
    day: date = timezone.now().astimezone(BERLIN).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute))


def schedule(member: Any, contact: Contact, provider: str, capture: Any) -> Meeting:
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
                sequence=int(event["SEQUENCE"]),
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


# -- reschedule --------------------------------------------------------------------------


def test_a_reschedule_patches_the_zoom_meeting_and_sends_the_invitation_again_with_sequence_raised(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    (first,) = invites(smtp_server, CONTACT)
    link = meeting.join_url
    before = calls(zoom)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lifecycle.reschedule(meeting, start=in_days(15, 15, 30), duration_minutes=45, by=member)
    assert nudged(callbacks, meeting)
    assert meeting.state == "linked" and meeting.sequence == 1
    run(meeting)

    # Zoom answers a PATCH with 204 and no body, so the meeting is read back once.
    assert new_calls(zoom, before) == {
        "PATCH update_meeting 204": 1,
        "GET get_meeting 200": 1,
    }
    remote = zoom_meeting(zoom, meeting)
    new_start = in_days(15, 15, 30).replace(tzinfo=BERLIN)
    assert remote["start_time"] == new_start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (remote["duration"], remote["deleted"]) == (45, False)
    assert fake_state(zoom)["live_meetings_by_key"] == {meeting.key: 1}

    assert meeting.state == "invited", meeting.state_reason
    assert meeting.join_url == link  # the same Zoom meeting, the same link
    for address in (CONTACT, GUEST):
        old, new = invites(smtp_server, address)
        assert (new.method, new.content_method, new.status) == ("REQUEST", "REQUEST", "CONFIRMED")
        assert new.uid == old.uid == first.uid
        assert (old.sequence, new.sequence) == (0, 1)
        assert new.start == new_start and new.tzid == "Europe/Berlin"
        assert new.end - new.start == timedelta(minutes=45)
        assert new.location == link
    assert invites(smtp_server, CONTACT)[1].subject.startswith("Updated invitation")


def test_a_reschedule_moves_the_google_calendar_event_and_keeps_its_meet_link(
    client: Any,
    member: Any,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_google(client, member)
    meeting = schedule(member, contact, "google_meet", django_capture_on_commit_callbacks)
    link = meeting.join_url
    assert link.startswith("https://meet.google.com/")
    before = calls(google)

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.reschedule(
            meeting, start=in_days(16, 9), timezone="America/New_York", title="Moved", by=member
        )
    run(meeting)

    assert new_calls(google, before) == {"PATCH events_patch 200": 1}
    event = google_event(google, meeting)
    assert event["summary"] == "Moved"
    new_start = in_days(16, 9).replace(tzinfo=ZoneInfo("America/New_York"))
    assert datetime.fromisoformat(event["start"]["dateTime"]) == new_start
    assert event["start"]["timeZone"] == "America/New_York"
    assert (event["hangout_link"], event["sequence"], event["deleted"]) == (link, 1, False)

    assert meeting.state == "invited" and meeting.join_url == link
    old, new = invites(smtp_server, CONTACT)
    assert (new.method, new.sequence, new.uid) == ("REQUEST", 1, old.uid)
    assert new.start == new_start and new.tzid == "America/New_York"
    assert new.subject.startswith("Updated invitation: Moved")


def test_a_local_time_in_the_dst_gap_moves_forward_and_the_choice_is_recorded(
    member: Any, contact: Contact, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)
    year = timezone.now().year + 1
    spring_forward = max(  # Berlin's clocks jump from 02:00 to 03:00 on March's last Sunday
        date(year, 3, day) for day in range(25, 32) if date(year, 3, day).weekday() == 6
    )
    gap = datetime.combine(spring_forward, time(2, 30))

    lifecycle.reschedule(meeting, start=gap, by=member)

    assert meeting.local_start.strftime("%H:%M") == "03:30"
    assert "does not exist" in meeting.planning_note and "moved forward" in meeting.planning_note


# -- cancel ------------------------------------------------------------------------------


def test_a_cancel_deletes_the_zoom_meeting_and_sends_method_cancel_to_everyone_invited(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    before = calls(zoom)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lifecycle.cancel(meeting, by=member)
    assert nudged(callbacks, meeting)
    run(meeting)

    assert new_calls(zoom, before) == {"DELETE delete_meeting 204": 1}
    assert zoom_meeting(zoom, meeting)["deleted"] is True
    assert fake_state(zoom)["live_meetings_by_key"] == {}
    assert (meeting.state, meeting.state_reason) == ("cancelled", "")
    for address in (CONTACT, GUEST):
        request, cancellation = invites(smtp_server, address)
        assert (cancellation.method, cancellation.content_method) == ("CANCEL", "CANCEL")
        assert cancellation.status == "CANCELLED"
        assert cancellation.uid == request.uid
        assert cancellation.sequence > request.sequence
        assert cancellation.start == request.start
        assert cancellation.subject.startswith("Cancelled: Quarterly review")

    # Cancelling again, or running sync again, tells nobody anything twice.
    lifecycle.cancel(meeting, by=member)
    sweep()
    run(meeting)
    assert len(invites(smtp_server, CONTACT)) == 2
    assert new_calls(zoom, before) == {"DELETE delete_meeting 204": 1}


def test_a_cancel_deletes_the_google_calendar_event(
    client: Any,
    member: Any,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_google(client, member)
    meeting = schedule(member, contact, "google_meet", django_capture_on_commit_callbacks)
    before = calls(google)

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.cancel(meeting, by=member)
    run(meeting)

    assert new_calls(google, before) == {"DELETE events_delete 204": 1}
    assert google_event(google, meeting)["deleted"] is True
    assert meeting.state == "cancelled"
    request, cancellation = invites(smtp_server, CONTACT)
    assert (cancellation.method, cancellation.status) == ("CANCEL", "CANCELLED")
    assert (cancellation.uid, cancellation.sequence) == (request.uid, request.sequence + 1)


def test_a_cancelled_meeting_cannot_be_rescheduled_and_nothing_changes(
    member: Any, contact: Contact, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.cancel(meeting, by=member)
    run(meeting)
    assert meeting.state == "cancelled"
    sequence, start = meeting.sequence, meeting.start

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as refused,
    ):
        lifecycle.reschedule(meeting, start=in_days(20, 10), by=member)
    assert "cancelled" in refused.value.message_dict["state"][0]
    with pytest.raises(ValidationError):
        lifecycle.set_manual_link(meeting, "https://meet.example.com/x", by=member)
    with pytest.raises(ValidationError):
        lifecycle.retry(meeting, by=member)
    meeting.refresh_from_db()
    assert (meeting.sequence, meeting.start, meeting.state) == (sequence, start, "cancelled")
    assert callbacks == []


# -- a link by hand ----------------------------------------------------------------------


def test_a_link_by_hand_calls_no_provider_and_is_what_the_invitation_carries(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    zoom_link = meeting.join_url
    assert meeting.passcode  # Zoom's passcode, which the hand-set link does not have
    before = calls(zoom)
    manual = "https://video.example.com/room/quarterly"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lifecycle.set_manual_link(meeting, manual, by=member)
    assert nudged(callbacks, meeting)
    run(meeting)

    assert new_calls(zoom, before) == {}  # not one call to Zoom
    assert zoom_meeting(zoom, meeting)["deleted"] is False  # Zoom's meeting is untouched
    assert (meeting.state, meeting.join_url, meeting.manual_link) == ("invited", manual, True)
    for address in (CONTACT, GUEST):
        old, new = invites(smtp_server, address)
        assert (new.method, new.uid, new.sequence) == ("REQUEST", old.uid, 1)
        assert new.location == new.url == new.conference == manual
        assert manual in new.description and zoom_link not in new.description
        assert "Passcode" not in new.description
    body = smtp_server.to(CONTACT)[-1].get_body(preferencelist=("plain",)).get_content()
    assert manual in body and zoom_link not in body

    # Clearing it goes back to Zoom's own link: read again, nothing changed at Zoom.
    before = calls(zoom)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.set_manual_link(meeting, "", by=member)
    run(meeting)
    assert new_calls(zoom, before) == {"GET get_meeting 200": 1}
    assert (meeting.join_url, meeting.manual_link, meeting.state) == (zoom_link, False, "invited")
    again = invites(smtp_server, CONTACT)[-1]
    assert (again.sequence, again.location) == (2, zoom_link)
    assert "Passcode" in again.description


def test_a_link_by_hand_ends_the_retries_of_a_link_that_failed(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    httpx2.post(f"{zoom.url}/_fake/faults", json={"server_error_rate": 1.0})
    with django_capture_on_commit_callbacks(execute=True):
        outcome = schedule_one_off(
            [contact],
            OneOffMeeting(
                title="Call", timezone="Europe/Berlin", start=in_days(3, 9), provider="zoom"
            ),
            requested_by=member,
            trigger=TriggerRef(TriggerKind.CONTACT, "tests"),
        )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    run(meeting)
    assert meeting.state == "link_failed" and meeting.next_attempt_at is not None
    before = calls(zoom)

    lifecycle.set_manual_link(meeting, "https://video.example.com/call", by=member)
    run(meeting)

    assert new_calls(zoom, before) == {}
    assert (meeting.state, meeting.next_attempt_at) == ("invited", None)
    (sent,) = invites(smtp_server, CONTACT)
    assert sent.location == "https://video.example.com/call"


# -- regenerate on save ------------------------------------------------------------------


def test_saving_a_meeting_whose_link_failed_makes_the_link_again(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    # The host has no Zoom licence: a permanent refusal, not worth retrying on its own.
    httpx2.post(f"{zoom.url}/_fake/users", json={"email": OWNER, "can_host": False})
    with django_capture_on_commit_callbacks(execute=True):
        outcome = schedule_one_off(
            [contact],
            OneOffMeeting(
                title="Call", timezone="Europe/Berlin", start=in_days(3, 9), provider="zoom"
            ),
            requested_by=member,
            trigger=TriggerRef(TriggerKind.CONTACT, "tests"),
        )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    run(meeting)
    assert (meeting.state, meeting.join_url, meeting.next_attempt_at) == ("link_failed", "", None)
    assert "not allowed" in meeting.state_reason
    assert invites(smtp_server, CONTACT) == []
    assert len(notices(smtp_server, OWNER)) == 1

    # The admin assigns a licence; the owner opens the meeting and saves it unchanged.
    httpx2.post(f"{zoom.url}/_fake/users", json={"email": OWNER, "can_host": True})
    before = calls(zoom)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lifecycle.save_meeting(meeting, {}, by=member)
    assert nudged(callbacks, meeting)
    assert (meeting.state, meeting.state_reason) == ("planned", "")
    assert meeting.next_attempt_at is not None and meeting.next_attempt_at <= timezone.now()
    run(meeting)

    # The first try may have reached Zoom, so the new one looks for it before creating.
    assert new_calls(zoom, before) == {
        "GET list_meetings 200": 1,
        "POST create_meeting 201": 1,
    }
    assert fake_state(zoom)["live_meetings_by_key"] == {meeting.key: 1}
    assert meeting.state == "invited" and meeting.join_url.startswith(zoom.url)
    (sent,) = invites(smtp_server, CONTACT)
    assert (sent.method, sent.location) == ("REQUEST", meeting.join_url)
    assert len(notices(smtp_server, OWNER)) == 1  # no second notice for the success


def test_saving_a_meeting_that_has_its_link_changes_nothing_and_calls_nobody(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    before = calls(zoom)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lifecycle.save_meeting(meeting, {"title": meeting.title}, by=member)
    run(meeting)
    assert callbacks == []
    assert (meeting.state, meeting.sequence) == ("invited", 0)
    assert new_calls(zoom, before) == {}
    assert len(invites(smtp_server, CONTACT)) == 1


def test_the_owner_gets_one_email_when_the_link_finally_fails_not_one_per_attempt(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.RETRY_MAX_ATTEMPTS = 4
    connect_zoom(client, member)
    httpx2.post(f"{zoom.url}/_fake/faults", json={"server_error_rate": 1.0})
    with django_capture_on_commit_callbacks(execute=True):
        outcome = schedule_one_off(
            [contact],
            OneOffMeeting(
                title="Call", timezone="Europe/Berlin", start=in_days(3, 9), provider="zoom"
            ),
            requested_by=member,
            trigger=TriggerRef(TriggerKind.CONTACT, "tests"),
        )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    for _ in range(10):  # each retry as its backoff comes due
        run(meeting)
        if meeting.next_attempt_at is None:
            break
        assert meeting.state == "link_failed" and meeting.join_url == ""
        assert notices(smtp_server, OWNER) == []  # nothing while it is still being retried
        with time_machine.travel(meeting.next_attempt_at + timedelta(seconds=1), tick=False):
            run(meeting)
        if meeting.next_attempt_at is None:
            break

    outcomes = list(
        Attempt.objects.filter(meeting=meeting).order_by("pk").values_list("outcome", flat=True)
    )
    assert outcomes == ["retry", "retry", "retry", "failed"]
    assert meeting.state == "link_failed" and "gave up after 4 attempts" in meeting.state_reason
    (notice,) = notices(smtp_server, OWNER)
    assert "Call" in str(notice["Subject"])
    assert f"/meetings/{meeting.pk}/" in notice.get_body(preferencelist=("plain",)).get_content()
    sweep()
    run(meeting)
    assert len(notices(smtp_server, OWNER)) == 1


# -- delivered once ----------------------------------------------------------------------


def test_running_sync_again_never_delivers_a_version_twice(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    lifecycle.reschedule(meeting, start=in_days(15, 11), by=member)
    run(meeting)
    run(meeting)
    # A re-run of the invitation step, as after a lost lease: the rows say who has it.
    Meeting.objects.filter(pk=meeting.pk).update(state="linked", next_attempt_at=timezone.now())
    sweep()
    run(meeting)

    for address in (CONTACT, GUEST):
        assert [i.sequence for i in invites(smtp_server, address)] == [0, 1]
    assert Delivery.objects.filter(meeting=meeting).count() == 4
    assert meeting.state == "invited"


@pytest.fixture
def smtp_port(settings: Any) -> Iterator[Any]:
    """An SMTP server that the test can stop and start again on the same port."""

    class Server:
        def __init__(self) -> None:
            self.port = free_port()
            self.inbox = Inbox()
            self.controller: Controller | None = None

        def start(self) -> None:
            self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            self.controller.start()

        def stop(self) -> None:
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

    server = Server()
    server.start()
    settings.SMTP_HOST = settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()


def test_an_smtp_failure_is_retried_later_without_duplicates(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_port: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    smtp_port.stop()

    lifecycle.reschedule(meeting, start=in_days(15, 11), by=member)
    run(meeting)

    assert meeting.state == "linked"  # at Zoom already, the mail still to go
    assert meeting.remote_sequence == meeting.sequence == 1
    update = Delivery.objects.filter(meeting=meeting, sequence=1)
    assert set(update.values_list("status", flat=True)) == {"failed"}
    assert meeting.next_attempt_at is not None and meeting.next_attempt_at > timezone.now()

    smtp_port.start()
    with time_machine.travel(meeting.next_attempt_at + timedelta(seconds=1), tick=False):
        run(meeting)
        run(meeting)
    assert meeting.state == "invited"
    for address in (CONTACT, GUEST):
        # the first invitation before the outage, the update once, after it
        assert [i.sequence for i in invites(smtp_port.inbox, address)] == [0, 1]
    assert set(update.values_list("status", flat=True)) == {"sent"}


# -- a provider removed ------------------------------------------------------------------


def test_removing_the_connection_keeps_the_links_and_new_work_waits_with_the_reason(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connection = connect_zoom(client, member)
    kept = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    moved = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    links = {kept.pk: kept.join_url, moved.pk: moved.join_url}

    answer = client.post(f"/connections/{connection.pk}/remove/")
    assert answer.status_code == 302
    assert not Connection.objects.exists()
    for meeting in (kept, moved):
        meeting.refresh_from_db()
        assert (meeting.state, meeting.join_url) == ("invited", links[meeting.pk])
    assert fake_state(zoom)["live_meetings_by_key"] == {kept.key: 1, moved.key: 1}
    before = calls(zoom)

    lifecycle.reschedule(moved, start=in_days(15, 11), by=member)
    run(moved)
    assert moved.state == "waiting_connection"
    assert moved.state_reason == "the Zoom connection was removed; connect an account to continue"
    assert moved.join_url == links[moved.pk]
    assert new_calls(zoom, before) == {}
    assert len(invites(smtp_server, CONTACT)) == 2  # nothing new was sent
    assert notices(smtp_server, OWNER) == []  # waiting is not failing

    # A link typed by hand needs no account: it goes out at once.
    lifecycle.set_manual_link(kept, "https://video.example.com/kept", by=member)
    run(kept)
    assert (kept.state, kept.join_url) == ("invited", "https://video.example.com/kept")
    assert invites(smtp_server, CONTACT)[-1].location == "https://video.example.com/kept"
    assert new_calls(zoom, before) == {}


def test_a_meeting_due_when_its_connection_is_removed_waits_instead_of_failing(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connection = connect_zoom(client, member)
    outcome = schedule_one_off(
        [contact],
        OneOffMeeting(title="Call", timezone="Europe/Berlin", start=in_days(3, 9), provider="zoom"),
        requested_by=member,
        trigger=TriggerRef(TriggerKind.CONTACT, "tests"),
    )
    client.post(f"/connections/{connection.pk}/remove/")
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    run(meeting)

    assert meeting.state == "waiting_connection"
    assert "connection" in meeting.state_reason and "removed" in meeting.state_reason
    assert meeting.next_attempt_at is None
    assert fake_state(zoom)["meetings"] == []
    assert notices(smtp_server, OWNER) == []


# -- edits while a worker holds the meeting ----------------------------------------------


def test_an_edit_waits_for_a_running_step_and_then_gives_up_without_changing_anything(
    member: Any,
    contact: Contact,
    smtp_server: Inbox,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)
    held = timezone.now() + timedelta(minutes=1)
    Meeting.objects.filter(pk=meeting.pk).update(lease_until=held)  # a worker is on it
    monkeypatch.setattr(lifecycle, "LEASE_WAIT_SECONDS", 0.2)

    with pytest.raises(lifecycle.MeetingBusy):
        lifecycle.reschedule(meeting, start=in_days(20, 10), by=member)
    meeting.refresh_from_db()
    assert (meeting.sequence, meeting.lease_until) == (0, held)

    Meeting.objects.filter(pk=meeting.pk).update(lease_until=None)  # the step ended
    lifecycle.reschedule(meeting, start=in_days(20, 10), by=member)
    assert (meeting.sequence, meeting.lease_until) == (1, None)


# -- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": datetime(2001, 1, 1, 9, 0)}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"duration_minutes": 2}, "duration_minutes"),
        ({"duration_minutes": 30, "end": datetime(2031, 1, 1, 9, 0)}, "duration_minutes"),
        ({"title": "  "}, "title"),
        ({"join_url": "ftp://files.example.com/room"}, "join_url"),
        ({"join_url": "not a link"}, "join_url"),
        ({"host": "someone"}, "host"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    member: Any,
    contact: Contact,
    smtp_server: Inbox,
    changes: dict[str, Any],
    field: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)
    saved = Meeting.objects.filter(pk=meeting.pk).values().get()

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as refused,
    ):
        lifecycle.save_meeting(meeting, changes, by=member)

    assert list(refused.value.message_dict) == [field]
    assert Meeting.objects.filter(pk=meeting.pk).values().get() == saved
    assert callbacks == []
