"""Each version of an invitation reaches each attendee once, however often sync runs."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from convener.crm.models import Contact
from convener.dispatch.sweeper import sweep
from convener.invitations.delivery import LOADED_DELIVERIES, prepare
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


def test_a_row_another_worker_wrote_meanwhile_is_taken_as_it_is_and_the_batch_goes_on(
    member: User, contact: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    meeting = schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)
    Meeting.objects.filter(pk=meeting.pk).update(sequence=1)
    meeting.sequence = 1
    with transaction.atomic():
        # This worker loaded the meeting with no rows for version 1; another wrote the
        # contact's before this one got to it.
        meeting.__dict__[LOADED_DELIVERIES] = []
        theirs = Delivery.objects.create(
            meeting=meeting,
            recipient=CONTACT,
            sequence=1,
            subject="written by the other worker",
            text_body="",
            html_body="",
            ics="",
        )
        rows = prepare(meeting)
        # The transaction is still usable (a refused INSERT would abort it on PostgreSQL).
        written = list(Delivery.objects.filter(meeting=meeting, sequence=1))

    by_recipient = {row.recipient: row for row in rows}
    assert sorted(by_recipient) == sorted([CONTACT, GUEST])
    assert by_recipient[CONTACT].pk == theirs.pk
    assert by_recipient[CONTACT].subject == "written by the other worker"
    assert by_recipient[GUEST].pk is not None
    assert sorted(row.pk for row in written) == sorted(row.pk for row in rows)
