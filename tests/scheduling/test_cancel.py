"""Cancelling removes the provider's meeting, tells those invited, and ends all changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx2
import pytest
import time_machine
from django.core.exceptions import ValidationError

from convener.crm.models import Contact
from convener.dispatch.sweeper import sweep
from convener.meetings.models import Meeting
from convener.scheduling import lifecycle
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.scheduling.support import (
    CONTACT,
    GUEST,
    calls,
    connect_google,
    connect_zoom,
    fake_state,
    google_event,
    in_days,
    invites,
    new_calls,
    nudged,
    run,
    schedule,
    schedule_call,
    zoom_meeting,
)

pytestmark = pytest.mark.django_db


def test_a_cancel_deletes_the_zoom_meeting_and_sends_method_cancel_to_everyone_invited(
    client: Any,
    member: User,
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


def test_a_cancel_deletes_the_google_calendar_event_and_sends_method_cancel(
    client: Any,
    member: User,
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
    member: User, contact: Contact, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
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


def test_cancelling_a_google_meeting_whose_meet_link_is_still_pending_deletes_the_event(
    client: Any,
    member: User,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_google(client, member)
    # Google keeps the conference "pending" for longer than the provider waits.
    httpx2.post(f"{google.url}/_fake/config", json={"pending_reads": 50})
    meeting = schedule_call(
        member, contact, "google_meet", django_capture_on_commit_callbacks, in_days(3, 9)
    )
    assert meeting.provider_meeting_id and not meeting.join_url  # made, link still pending

    lifecycle.cancel(meeting, by=member)
    run(meeting)

    assert meeting.state == "cancelled"
    assert google_event(google, meeting)["deleted"] is True


def _lose_the_create_answer(
    server: FakeServer, member: User, contact: Contact, provider: str, capture: Any
) -> Meeting:
    """Schedule a meeting whose create the provider carries out but never answers."""
    httpx2.post(f"{server.url}/_fake/faults", json={"drop_after_commit_rate": 1.0})
    meeting = schedule_call(member, contact, provider, capture, in_days(6, 11))
    httpx2.post(f"{server.url}/_fake/faults", json={"drop_after_commit_rate": 0.0})
    assert not meeting.provider_meeting_id and meeting.state == "link_failed"
    return meeting


def test_cancelling_a_zoom_meeting_whose_create_answer_was_lost_deletes_what_zoom_made(
    client: Any,
    member: User,
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
    member: User,
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
    member: User,
    contact: Contact,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    smtp_server.refused.add(GUEST)  # the guest's mailbox refuses mail for now
    meeting = schedule_call(
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
