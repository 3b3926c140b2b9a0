"""Issue 17, 4: a Zoom account paced at 1 call/s (below Zoom's lowest plan). A retried
create lists the host's meetings first, to find one an unanswered create made; the
create that follows must wait for a pacing slot of its own, or Zoom refuses it every
time and the retries never get through."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from convener.crm.models import Contact
from convener.dispatch.claiming import claim
from convener.dispatch.sync import sync_meeting
from convener.meetings.models import Attempt, Meeting
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.outages.support import fake, live_keys, schedule_for
from tests.scheduling.support import connect_zoom, run

pytestmark = pytest.mark.django_db

MEETINGS = 3


def test_retried_creates_on_a_slow_zoom_account_each_get_through(
    client: Any, member: User, contact: Contact, zoom: FakeServer, smtp_server: Inbox
) -> None:
    connection = connect_zoom(client, member)
    connection.requests_per_second = 1.0
    connection.save(update_fields=["requests_per_second"])
    # Every first create fails (a Zoom outage): each meeting's next create is a retry,
    # which lists the host's meetings before creating.
    fake(zoom, "faults", {"server_error_rate": 1.0})
    meetings = [
        Meeting.objects.get(pk=schedule_for(member, contact, "zoom", f"s{n}").created_ids[0])
        for n in range(MEETINGS)
    ]
    run(meetings[0])
    assert all(m.attempt_log.filter(operation="create").exists() for m in meetings)

    fake(zoom, "faults", {"server_error_rate": 0.0, "rate_limit_per_second": 1})
    Meeting.objects.filter(pk__in=[m.pk for m in meetings]).update(next_attempt_at=timezone.now())
    connection_lane = meetings[0].lane
    deadline = time.monotonic() + 30  # ample: a list and a create a meeting, at 1 call/s
    while time.monotonic() < deadline:
        # What the worker does, one claimed batch at a time, so the test stays bounded.
        for meeting_id in claim(connection_lane, 10):
            sync_meeting(meeting_id)
        states = set(
            Meeting.objects.filter(pk__in=[m.pk for m in meetings]).values_list("state", flat=True)
        )
        if states == {"invited"}:
            break
        time.sleep(0.2)
    for meeting in meetings:
        meeting.refresh_from_db()
    assert {m.state for m in meetings} == {"invited"}, [(m.state, m.state_reason) for m in meetings]
    refused = Attempt.objects.filter(status_code=429).count()
    assert refused == 0, f"{refused} calls refused by Zoom's rate limit"
    live = Counter(live_keys("zoom", zoom))
    assert all(live[m.key] == 1 for m in meetings)
