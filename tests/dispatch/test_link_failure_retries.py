"""A failing link is retried as each backoff comes due, then given up, telling the owner once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx2
import pytest
import time_machine

from convener.crm.models import Contact
from convener.dispatch.sweeper import sweep
from convener.meetings.models import Attempt, Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox, mail_text
from tests.scheduling.support import (
    OWNER,
    connect_zoom,
    in_days,
    notices,
    run,
)

pytestmark = pytest.mark.django_db


def test_the_owner_gets_one_email_when_the_link_finally_fails_not_one_per_attempt(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.RETRY_MAX_ATTEMPTS = 4
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
    for _ in range(10):  # each retry as its backoff comes due
        run(meeting)
        if meeting.next_attempt_at is None:
            break
        assert meeting.state == "link_failed" and meeting.join_url == ""
        assert notices(smtp_server, OWNER) == []  # nothing while it is still being retried
        with time_machine.travel(meeting.next_attempt_at + timedelta(seconds=1), tick=False):
            run(meeting)
        if meeting.next_attempt_at is None:
            break

    outcomes = list(
        Attempt.objects.filter(meeting=meeting).order_by("pk").values_list("outcome", flat=True)
    )
    assert outcomes == ["retry", "retry", "retry", "failed"]
    assert meeting.state == "link_failed" and "gave up after 4 attempts" in meeting.state_reason
    (notice,) = notices(smtp_server, OWNER)
    assert "Call" in str(notice["Subject"])
    assert f"/meetings/{meeting.pk}/" in mail_text(notice)
    sweep()
    run(meeting)
    assert len(notices(smtp_server, OWNER)) == 1
