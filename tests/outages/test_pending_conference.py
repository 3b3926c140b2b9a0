"""Issue 17, 4: a Google Meet conference still pending is a state of its own ("waiting
for Google to finish the link"), not a failure; the link comes on a later read."""

from __future__ import annotations

from html import unescape
from typing import Any

import httpx2
import pytest
from django.utils import timezone

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.phases import phase_of
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.outages.support import schedule_for
from tests.scheduling.support import CONTACT, OWNER, connect_google, invites, notices, run

pytestmark = pytest.mark.django_db


def test_a_pending_google_conference_waits_for_the_link_without_failing(
    client: Any, member: User, contact: Contact, google: FakeServer, smtp_server: Inbox
) -> None:
    connect_google(client, member)
    # Pending through the provider's own reads after the insert and one more of ours.
    httpx2.post(f"{google.url}/_fake/config", json={"pending_reads": 4})
    meeting = Meeting.objects.get(
        pk=schedule_for(member, contact, "google_meet", "pending").created_ids[0]
    )
    run(meeting)

    assert meeting.provider_meeting_id and not meeting.join_url
    assert meeting.state == "link_pending"
    assert meeting.get_state_display() == "Waiting for the link"
    assert phase_of(meeting).label == "Waiting for the link"
    assert meeting.state_reason == "waiting for Google Meet to finish the link"
    assert meeting.next_attempt_at is not None  # read again soon, on its own
    page = unescape(client.get(f"/meetings/{meeting.pk}/").content.decode())
    assert "Waiting for Google Meet to finish the link" in page
    assert "Failed" not in page and "could not be created" not in page
    listed = unescape(client.get("/meetings/?state=waiting_link").content.decode())
    assert "Waiting for the link" in listed

    while meeting.state == "link_pending":
        Meeting.objects.filter(pk=meeting.pk).update(next_attempt_at=timezone.now())
        run(meeting)
    assert meeting.state == "invited" and meeting.join_url.startswith("https://meet.google.com/")
    assert len(invites(smtp_server, CONTACT)) == 1
    assert notices(smtp_server, OWNER) == []  # waiting is not failing
