"""Saving a meeting makes a failed link again and changes nothing when it has its link."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from django.utils import timezone

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling import lifecycle
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.scheduling.support import (
    CONTACT,
    OWNER,
    calls,
    connect_zoom,
    fake_state,
    in_days,
    invites,
    new_calls,
    notices,
    nudged,
    run,
    schedule,
)

pytestmark = pytest.mark.django_db


def test_saving_a_meeting_whose_link_failed_makes_the_link_again(
    client: Any,
    member: User,
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
        lifecycle.save_meeting(meeting, {"title": meeting.title}, by=member)
    run(meeting)
    assert callbacks == []
    assert (meeting.state, meeting.sequence) == ("invited", 0)
    assert new_calls(zoom, before) == {}
    assert len(invites(smtp_server, CONTACT)) == 1
