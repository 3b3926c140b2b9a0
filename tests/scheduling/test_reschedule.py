"""Rescheduling moves the provider's meeting and sends the invitation again, sequence raised."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from django.utils import timezone

from convener.crm.models import Contact
from convener.scheduling import lifecycle
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.scheduling.support import (
    BERLIN,
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


def test_a_reschedule_patches_the_zoom_meeting_and_sends_the_invitation_again_with_sequence_raised(
    client: Any,
    member: User,
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
    member: User,
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


def test_a_reschedule_into_the_dst_gap_moves_forward_and_the_planning_note_says_so(
    member: User, contact: Contact, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
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


def test_a_reschedule_while_the_meet_link_is_pending_still_moves_the_google_event(
    client: Any,
    member: User,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_google(client, member)
    # Pending through the provider's own three reads after the insert; ready on the next.
    httpx2.post(f"{google.url}/_fake/config", json={"pending_reads": 3})
    meeting = schedule_call(
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
