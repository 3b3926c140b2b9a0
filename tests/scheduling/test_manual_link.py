"""A link set by hand calls no provider, goes out in the invitation and ends failed retries."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling import lifecycle
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox, mail_text
from tests.scheduling.support import (
    CONTACT,
    GUEST,
    calls,
    connect_zoom,
    in_days,
    invites,
    new_calls,
    nudged,
    run,
    schedule,
    zoom_meeting,
)

pytestmark = pytest.mark.django_db


def test_a_link_by_hand_calls_no_provider_and_is_what_the_invitation_carries(
    client: Any,
    member: User,
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
    body = mail_text(smtp_server.to(CONTACT)[-1])
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
    member: User,
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
    # mypy keeps next_attempt_at narrowed to a datetime, unaware that run() refreshed it
    assert (meeting.state, meeting.next_attempt_at) == ("invited", None)  # type: ignore[comparison-overlap]
    (sent,) = invites(smtp_server, CONTACT)
    assert sent.location == "https://video.example.com/call"
