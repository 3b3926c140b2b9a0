"""A member's token or session cannot change a meeting another member hosts: not at the
provider, and not in the attendees' calendars."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.access.support import api, colleague, grant
from tests.conftest import Inbox
from tests.scheduling.support import (
    CONTACT,
    calls,
    connect_zoom,
    in_days,
    invites,
    new_calls,
    run,
    schedule,
    zoom_meeting,
)

pytestmark = pytest.mark.django_db

EDIT_OTHERS = "team.edit_others_meetings"
USE_OTHERS = "connections.use_others_connections"


@pytest.fixture
def zoom_meeting_of_ann(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> Meeting:
    """Ann's meeting on Ann's own Zoom account, made at Zoom and invited."""
    connect_zoom(client, member)
    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    client.logout()
    return meeting


def test_a_member_cannot_cancel_a_meeting_another_member_hosts_and_nobody_hears_of_it(
    client: Any, zoom_meeting_of_ann: Meeting, zoom: FakeServer, smtp_server: Inbox
) -> None:
    meeting = zoom_meeting_of_ann
    mike = colleague("mike")
    before, mails = calls(zoom), len(smtp_server.messages)

    answer = api(client, "post", f"/api/v1/meetings/{meeting.pk}/cancel", mike)
    assert answer.status_code == 403
    assert "Can change meetings other members host" in answer.json()["detail"]
    client.force_login(mike)
    page = client.post(f"/meetings/{meeting.pk}/cancel/")
    assert page.status_code == 403
    assert "Can change meetings other members host" in page.content.decode()

    run(meeting)
    assert new_calls(zoom, before) == {}  # Zoom was not asked to delete anything
    assert zoom_meeting(zoom, meeting)["deleted"] is False
    assert len(smtp_server.messages) == mails  # no cancellation went out
    assert (meeting.state, meeting.cancel_requested) == ("invited", False)


def test_a_member_cannot_set_a_link_by_hand_on_another_members_meeting(
    client: Any, zoom_meeting_of_ann: Meeting, zoom: FakeServer, smtp_server: Inbox
) -> None:
    meeting = zoom_meeting_of_ann
    link, mails = meeting.join_url, len(smtp_server.messages)
    mike = colleague("mike")

    answer = api(
        client,
        "patch",
        f"/api/v1/meetings/{meeting.pk}",
        mike,
        {"join_url": "https://phish.example.com/join"},
    )
    assert answer.status_code == 403
    client.force_login(mike)
    page = client.post(
        f"/meetings/{meeting.pk}/link/", {"join_url": "https://phish.example.com/join"}
    )
    assert page.status_code == 403

    run(meeting)
    assert meeting.join_url == link and not meeting.manual_link
    assert len(smtp_server.messages) == mails  # no invitation went out with another link


def test_changing_a_meeting_on_another_members_account_needs_their_account_too(
    client: Any, zoom_meeting_of_ann: Meeting, zoom: FakeServer, smtp_server: Inbox
) -> None:
    meeting = zoom_meeting_of_ann
    mike = colleague("mike", EDIT_OTHERS)
    moved = {"start": in_days(20, 15).isoformat(), "timezone": "Europe/Berlin"}
    before = calls(zoom)

    refused = api(client, "patch", f"/api/v1/meetings/{meeting.pk}", mike, moved)
    assert refused.status_code == 403
    assert "Can schedule meetings with other users' accounts" in refused.json()["detail"]
    client.force_login(mike)
    assert client.post(f"/meetings/{meeting.pk}/retry/").status_code == 403
    run(meeting)
    assert new_calls(zoom, before) == {}
    assert meeting.sequence == 0

    grant(mike, USE_OTHERS)
    allowed = api(client, "patch", f"/api/v1/meetings/{meeting.pk}", mike, moved)
    assert allowed.status_code == 200, allowed.content
    run(meeting)
    assert new_calls(zoom, before).get("PATCH update_meeting 204") == 1
    assert invites(smtp_server, CONTACT)[-1].sequence == 1


def test_edit_others_alone_changes_another_members_meeting_that_needs_no_account(
    client: Any,
    member: User,
    contact: Contact,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)
    mike = colleague("mike")
    path = f"/api/v1/meetings/{meeting.pk}"
    assert api(client, "patch", path, mike, {"title": "Renamed"}).status_code == 403

    grant(mike, EDIT_OTHERS)
    answer = api(client, "patch", path, mike, {"title": "Renamed"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["title"] == "Renamed"


def test_the_host_still_changes_their_own_meeting(
    client: Any, member: User, zoom_meeting_of_ann: Meeting, zoom: FakeServer
) -> None:
    meeting = zoom_meeting_of_ann
    answer = api(client, "post", f"/api/v1/meetings/{meeting.pk}/cancel", member)
    assert answer.status_code == 200, answer.content
    run(meeting)
    assert zoom_meeting(zoom, meeting)["deleted"] is True
