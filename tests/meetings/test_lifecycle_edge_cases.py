"""Lifecycle edge cases: cancellation emails while SMTP is down, a Google link still
pending when the meeting is cancelled or moved, and meetings whose connection was removed
resuming on a new one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest
import time_machine

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling import lifecycle
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.connections.support import connect_through_oauth
from tests.meetings.test_lifecycle import (
    BERLIN,
    CONTACT,
    GUEST,
    OWNER,
    calls,
    connect_google,
    connect_zoom,
    fake_state,
    fast,
    google_event,
    in_days,
    invites,
    run,
    schedule,
    smtp_port,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db


def call(
    member: Any, contact: Contact, provider: str, capture: Any, start: datetime, **extra: Any
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


def test_a_cancel_during_an_smtp_outage_reaches_everyone_once_the_server_is_back(
    member: Any,
    contact: Contact,
    smtp_port: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)
    smtp_port.stop()

    lifecycle.cancel(meeting, by=member)
    run(meeting)
    assert meeting.next_attempt_at is not None  # the CANCEL is still to go: tried again

    smtp_port.start()
    with time_machine.travel(meeting.next_attempt_at + timedelta(seconds=1), tick=False):
        run(meeting)
        run(meeting)
    assert meeting.state == "cancelled"
    for address in (CONTACT, GUEST):
        methods = [i.method for i in invites(smtp_port.inbox, address)]
        assert methods == ["REQUEST", "CANCEL"]


def test_cancelling_a_google_meeting_whose_meet_link_is_still_pending_deletes_the_event(
    client: Any,
    member: Any,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_google(client, member)
    # Google keeps the conference "pending" for longer than the provider waits.
    httpx2.post(f"{google.url}/_fake/config", json={"pending_reads": 50})
    meeting = call(
        member, contact, "google_meet", django_capture_on_commit_callbacks, in_days(3, 9)
    )
    assert meeting.provider_meeting_id and not meeting.join_url  # made, link still pending

    lifecycle.cancel(meeting, by=member)
    run(meeting)

    assert meeting.state == "cancelled"
    assert google_event(google, meeting)["deleted"] is True


def test_a_reschedule_while_the_meet_link_is_pending_still_moves_the_google_event(
    client: Any,
    member: Any,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_google(client, member)
    # Pending through the provider's own three reads after the insert; ready on the next.
    httpx2.post(f"{google.url}/_fake/config", json={"pending_reads": 3})
    meeting = call(
        member, contact, "google_meet", django_capture_on_commit_callbacks, in_days(3, 9)
    )
    assert meeting.provider_meeting_id and not meeting.join_url

    lifecycle.reschedule(meeting, start=in_days(4, 16), by=member)
    run(meeting)

    new_start = in_days(4, 16).replace(tzinfo=BERLIN)
    assert meeting.state == "invited" and meeting.join_url.startswith("https://meet.google.com/")
    (sent,) = invites(smtp_server, CONTACT)
    assert sent.start == new_start
    event = google_event(google, meeting)
    assert datetime.fromisoformat(event["start"]["dateTime"]) == new_start  # as invited


def test_connecting_an_account_again_after_removing_it_resumes_the_meetings_that_wait(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connection = connect_zoom(client, member)
    moved = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    client.post(f"/connections/{connection.pk}/remove/")
    lifecycle.reschedule(moved, start=in_days(15, 11), by=member)
    run(moved)
    assert moved.state == "waiting_connection"

    with django_capture_on_commit_callbacks(execute=True):
        connect_through_oauth(client, "zoom", OWNER)
    fast(Connection.objects.get())
    moved.refresh_from_db()
    run(moved)

    assert moved.state == "invited", moved.state_reason
    assert [i.sequence for i in invites(smtp_server, CONTACT)] == [0, 1]
    assert fake_state(zoom)["live_meetings_by_key"] == {moved.key: 1}


def _lose_the_create_answer(
    server: FakeServer, member: Any, contact: Contact, provider: str, capture: Any
) -> Meeting:
    """Schedule a meeting whose create the provider carries out but never answers."""
    httpx2.post(f"{server.url}/_fake/faults", json={"drop_after_commit_rate": 1.0})
    meeting = call(member, contact, provider, capture, in_days(6, 11))
    httpx2.post(f"{server.url}/_fake/faults", json={"drop_after_commit_rate": 0.0})
    assert not meeting.provider_meeting_id and meeting.state == "link_failed"
    return meeting


def test_cancelling_a_zoom_meeting_whose_create_answer_was_lost_deletes_what_zoom_made(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    meeting = _lose_the_create_answer(
        zoom, member, contact, "zoom", django_capture_on_commit_callbacks
    )
    assert fake_state(zoom)["live_meetings_by_key"] == {meeting.key: 1}  # made all the same

    lifecycle.cancel(meeting, by=member)
    run(meeting)

    assert meeting.state == "cancelled", meeting.state_reason
    assert fake_state(zoom)["live_meetings_by_key"].get(meeting.key, 0) == 0
    assert invites(smtp_server, CONTACT) == []  # it was never announced, so no CANCEL either


def test_cancelling_a_google_meeting_whose_create_answer_was_lost_deletes_the_event(
    client: Any,
    member: Any,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_google(client, member)
    meeting = _lose_the_create_answer(
        google, member, contact, "google_meet", django_capture_on_commit_callbacks
    )
    assert google_event(google, meeting)["deleted"] is False  # made all the same

    lifecycle.cancel(meeting, by=member)
    run(meeting)

    assert meeting.state == "cancelled", meeting.state_reason
    assert google_event(google, meeting)["deleted"] is True


def test_a_cancel_goes_only_to_those_whose_invitation_left(
    member: Any,
    contact: Contact,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    smtp_server.refused.add(GUEST)  # the guest's mailbox refuses mail for now
    meeting = call(
        member,
        contact,
        "jitsi",
        django_capture_on_commit_callbacks,
        in_days(5, 9),
        external_emails=[GUEST],
    )
    assert [i.method for i in invites(smtp_server, CONTACT)] == ["REQUEST"]
    assert invites(smtp_server, GUEST) == []

    lifecycle.cancel(meeting, by=member)
    smtp_server.refused.clear()
    run(meeting)
    with time_machine.travel(timedelta(hours=2)):  # past any retry of the guest's mail
        run(meeting)

    assert meeting.state == "cancelled", meeting.state_reason
    assert [i.method for i in invites(smtp_server, CONTACT)] == ["REQUEST", "CANCEL"]
    assert invites(smtp_server, GUEST) == []  # never invited, so nothing to cancel
    (cancel,) = [i for i in invites(smtp_server, CONTACT) if i.method == "CANCEL"]
    assert GUEST not in cancel.attendees


def test_invitations_that_fail_to_render_keep_the_link_and_go_out_once_fixed(
    client: Any,
    member: Any,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from convener.meetings.models import InvitationTemplate

    connect_zoom(client, member)
    broken = InvitationTemplate.objects.create(
        name="Broken",
        text_template="{% include 'no-such-template.txt' %}",
        html_template="<p>{{ when }}</p>",
    )
    meeting = call(member, contact, "zoom", django_capture_on_commit_callbacks, in_days(4, 10))

    assert meeting.join_url and meeting.state == "linked"  # the link is kept
    assert "invitations not sent yet" in meeting.state_reason
    assert "TemplateDoesNotExist" in meeting.state_reason
    assert invites(smtp_server, CONTACT) == []

    broken.delete()
    assert meeting.next_attempt_at is not None
    with time_machine.travel(meeting.next_attempt_at + timedelta(seconds=1), tick=False):
        run(meeting)

    assert meeting.state == "invited", meeting.state_reason
    assert [i.url for i in invites(smtp_server, CONTACT)] == [meeting.join_url]
    creates = sum(n for route, n in calls(zoom).items() if route.startswith("POST create_meeting"))
    assert creates == 1  # the provider step was not redone
