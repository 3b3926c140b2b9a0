"""Invitations and cancellations caught by an SMTP outage go out once it ends, no duplicates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from convener.crm.models import Contact
from convener.meetings.models import Delivery
from convener.scheduling import lifecycle
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox, free_port
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


class Server:
    """An SMTP server that can stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_port(settings: Any) -> Iterator[Server]:
    """An SMTP server that the test can stop and start again on the same port."""
    server = Server()
    server.start()
    settings.SMTP_HOST = settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()


def test_an_smtp_failure_is_retried_later_without_duplicates(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_port: Server,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_zoom(client, member)
    meeting = schedule(member, contact, "zoom", django_capture_on_commit_callbacks)
    smtp_port.stop()

    lifecycle.reschedule(meeting, start=in_days(15, 11), by=member)
    run(meeting)

    assert meeting.state == "linked"  # at Zoom already, the mail still to go
    assert meeting.remote_sequence == meeting.sequence == 1
    update = Delivery.objects.filter(meeting=meeting, sequence=1)
    assert set(update.values_list("status", flat=True)) == {"failed"}
    assert meeting.next_attempt_at is not None and meeting.next_attempt_at > timezone.now()

    smtp_port.start()
    with time_machine.travel(meeting.next_attempt_at + timedelta(seconds=1), tick=False):
        run(meeting)
        run(meeting)
    assert meeting.state == "invited"
    for address in (CONTACT, GUEST):
        # the first invitation before the outage, the update once, after it
        assert [i.sequence for i in invites(smtp_port.inbox, address)] == [0, 1]
    assert set(update.values_list("status", flat=True)) == {"sent"}


def test_a_cancel_during_an_smtp_outage_reaches_everyone_once_the_server_is_back(
    member: User,
    contact: Contact,
    smtp_port: Server,
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)
    smtp_port.stop()

    lifecycle.cancel(meeting, by=member)
    run(meeting)
    assert meeting.next_attempt_at is not None  # the CANCEL is still to go: tried again

    smtp_port.start()
    with time_machine.travel(meeting.next_attempt_at + timedelta(seconds=1), tick=False):
        run(meeting)
        run(meeting)
    assert meeting.state == "cancelled"
    for address in (CONTACT, GUEST):
        methods = [i.method for i in invites(smtp_port.inbox, address)]
        assert methods == ["REQUEST", "CANCEL"]
