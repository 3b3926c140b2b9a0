"""A removed connection keeps made links; new work waits, and resumes on a new connection."""

from __future__ import annotations

from typing import Any

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling import lifecycle
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.connections.support import connect_through_oauth
from tests.scheduling.support import (
    CONTACT,
    OWNER,
    calls,
    connect_zoom,
    fake_state,
    fast,
    in_days,
    invites,
    new_calls,
    notices,
    run,
    schedule,
)

pytestmark = pytest.mark.django_db


def test_removing_the_connection_keeps_the_links_and_new_work_waits_with_the_reason(
    client: Any,
    member: User,
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
    member: User,
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


def test_connecting_an_account_again_after_removing_it_resumes_the_meetings_that_wait(
    client: Any,
    member: User,
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
