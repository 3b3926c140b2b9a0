"""An edit waits for a worker's running step, then gives up without changing anything."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.scheduling import lifecycle
from convener.team.models import User
from tests.conftest import Inbox
from tests.scheduling.support import (
    in_days,
    schedule,
)

pytestmark = pytest.mark.django_db


def test_an_edit_waits_for_a_running_step_and_then_gives_up_without_changing_anything(
    member: User,
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
