"""Each version of an invitation reaches each attendee once, however often sync runs."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from convener.crm.models import Contact
from convener.dispatch.sweeper import sweep
from convener.meetings.models import Delivery, Meeting
from convener.scheduling import lifecycle
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.scheduling.support import (
    CONTACT,
    GUEST,
    connect_zoom,
    in_days,
    invites,
    run,
    schedule,
)

pytestmark = pytest.mark.django_db


def test_running_sync_again_never_delivers_a_version_twice(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    lifecycle.reschedule(meeting, start=in_days(15, 11), by=member)
    run(meeting)
    run(meeting)
    # A re-run of the invitation step, as after a lost lease: the rows say who has it.
    Meeting.objects.filter(pk=meeting.pk).update(state="linked", next_attempt_at=timezone.now())
    sweep()
    run(meeting)

    for address in (CONTACT, GUEST):
        assert [i.sequence for i in invites(smtp_server, address)] == [0, 1]
    assert Delivery.objects.filter(meeting=meeting).count() == 4
    assert meeting.state == "invited"
