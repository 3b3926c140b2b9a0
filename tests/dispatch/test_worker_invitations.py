"""The worker's invitations over SMTP: written with the links, claimed for sending in the
same transaction, sent once it has committed, and recorded with the meeting's release.
Each recipient gets one invitation; a refused address or a template that cannot render
is said on the meeting, and the links are kept."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError

from convener.crm.models import Contact
from convener.dispatch import dispatcher
from convener.dispatch.announce import settle as real_settle
from convener.dispatch.dispatcher import Dispatcher, start_dispatcher
from convener.invitations.delivery import Round
from convener.meetings.models import Delivery, InvitationTemplate, Meeting, MeetingState
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from tests.conftest import Inbox
from tests.scheduling.support import GUEST, in_days, invites

pytestmark = pytest.mark.django_db(transaction=True)


def contacts(member: User, count: int) -> list[Contact]:
    return [
        Contact.objects.create(
            email=f"guest{index}@example.org",
            first_name=f"Guest{index}",
            timezone="America/New_York",
            owner=member,
        )
        for index in range(count)
    ]


def schedule(member: User, people: list[Contact]) -> list[int]:
    outcome = schedule_one_off(
        people,
        OneOffMeeting(
            title="Onboarding",
            timezone="Europe/Berlin",
            start=in_days(5, 10),
            duration_minutes=30,
            provider="jitsi",
            external_emails=[GUEST],
        ),
        requested_by=member,
        trigger=TriggerRef(TriggerKind.CONTACT, "worker-invitations"),
    )
    return list(outcome.created_ids)


def wait_for(worker: Dispatcher, condition: Callable[[], bool], what: str) -> None:
    # Plain sleeps, and the worker woken each time rather than left to its timed poll:
    # the suite also runs with the clock a year ahead under libfaketime, where a timed
    # wait on a threading.Event lasts a year.
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        worker.wake()
        time.sleep(0.05)


def settled(ids: list[int]) -> Callable[[], bool]:
    def check() -> bool:
        meetings = Meeting.objects.filter(pk__in=ids)
        return all(m.lease_until is None and m.join_url for m in meetings)

    return check


def test_every_recipient_gets_one_invitation_and_every_row_says_sent(
    worker: Dispatcher, member: User, smtp_server: Inbox
) -> None:
    people = contacts(member, 6)
    ids = schedule(member, people)

    wait_for(
        worker, lambda: Meeting.objects.filter(state=MeetingState.INVITED).count() == 6, "invited"
    )

    meetings = {m.pk: m for m in Meeting.objects.filter(pk__in=ids)}
    for person in people:
        (received,) = invites(smtp_server, person.email)
        (meeting,) = [m for m in meetings.values() if m.contact_id == person.pk]
        assert received.url == meeting.join_url
    assert len(invites(smtp_server, GUEST)) == 6
    rows = list(Delivery.objects.filter(meeting_id__in=ids))
    assert len(rows) == 12
    assert {(row.status, row.attempts, row.error) for row in rows} == {("sent", 1, "")}
    assert all(row.sent_at is not None for row in rows)


def test_a_refused_address_is_said_on_the_meeting_and_the_others_are_sent(
    worker: Dispatcher, member: User, smtp_server: Inbox
) -> None:
    smtp_server.refused.add(GUEST)
    (person,) = contacts(member, 1)
    (meeting_id,) = schedule(member, [person])

    wait_for(worker, settled([meeting_id]), "the meeting released")

    meeting = Meeting.objects.get(pk=meeting_id)
    assert meeting.state == MeetingState.INVITED
    assert GUEST in meeting.state_reason and "550" in meeting.state_reason
    assert len(invites(smtp_server, person.email)) == 1
    statuses = dict(Delivery.objects.filter(meeting=meeting).values_list("recipient", "status"))
    assert statuses == {person.email: "sent", GUEST: "undeliverable"}


def test_a_template_that_cannot_render_keeps_the_link_and_says_why(
    worker: Dispatcher, member: User, smtp_server: Inbox
) -> None:
    InvitationTemplate.objects.create(
        name="Broken",
        text_template="{% include 'no-such-template.txt' %}",
        html_template="<p>{{ when }}</p>",
    )
    (person,) = contacts(member, 1)
    (meeting_id,) = schedule(member, [person])

    wait_for(worker, settled([meeting_id]), "the meeting released")

    meeting = Meeting.objects.get(pk=meeting_id)
    assert meeting.state == MeetingState.LINKED
    assert "invitations not sent yet" in meeting.state_reason
    assert "TemplateDoesNotExist" in meeting.state_reason
    assert meeting.next_attempt_at is not None  # tried again later
    assert not Delivery.objects.filter(meeting=meeting).exists()
    assert smtp_server.messages == []


def test_a_meeting_whose_sending_cannot_be_recorded_does_not_lose_the_others_records(
    worker: Dispatcher, member: User, smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mail thread sends a batch of meetings' invitations: one meeting's failing record
    # must leave the others' records standing.
    people = contacts(member, 6)
    ids = schedule(member, people)
    unlucky = min(ids)

    def settle(meeting: Meeting, invitations: Round) -> None:
        if meeting.pk == unlucky:
            raise DatabaseError("disk I/O error")
        real_settle(meeting, invitations)

    monkeypatch.setattr("convener.dispatch.dispatcher.settle", settle)

    others = [pk for pk in ids if pk != unlucky]
    wait_for(worker, lambda: len(smtp_server.messages) == 12, "every invitation sent")
    wait_for(worker, settled(others), "the others released")

    assert Meeting.objects.filter(pk__in=others, state=MeetingState.INVITED).count() == 5
    assert set(Delivery.objects.filter(meeting_id__in=others).values_list("status", flat=True)) == {
        "sent"
    }
    # Still leased, its rows still "sending": sent again once the lease runs out, as after
    # a crash.
    stuck = Meeting.objects.get(pk=unlucky)
    assert stuck.lease_until is not None and stuck.state == MeetingState.LINKED
    assert set(Delivery.objects.filter(meeting=stuck).values_list("status", flat=True)) == {
        "sending"
    }


def test_the_worker_sends_over_as_many_smtp_connections_as_set(
    member: User, smtp_server: Inbox, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two connections: a second meeting's invitation goes out while the first's is held
    at a slow server, and a third waits for one of them; each connection is kept."""
    settings.SMTP_CONNECTIONS = 2
    # Claims at once, without the pause a busy worker takes to gather them: a timed wait
    # on the clock a year ahead would last a year (see wait_for).
    monkeypatch.setattr(dispatcher, "GATHER_SECONDS", 0.0)
    people = contacts(member, 3)
    smtp_server.hold = threading.Event()
    worker = start_dispatcher()
    ids: list[int] = []

    def taking(count: int) -> Callable[[], bool]:
        return lambda: smtp_server.in_data == count

    def claimed_for_sending() -> bool:
        sending = Meeting.objects.filter(deliveries__status=Delivery.Status.SENDING)
        return sending.distinct().count() == 3

    try:
        for person in people[:2]:
            ids += schedule(member, [person])
            wait_for(worker, taking(len(ids)), f"{len(ids)} invitations at the server at once")
        # The third meeting is linked and its invitations claimed, but both connections
        # are busy: they wait rather than open a third.
        ids += schedule(member, people[2:])
        wait_for(worker, claimed_for_sending, "the third meeting's invitations claimed")
        time.sleep(0.5)
        assert smtp_server.in_data == 2
        smtp_server.hold.set()
        wait_for(worker, settled(ids), "the meetings invited")
    finally:
        smtp_server.hold.set()
        worker.stop()
    assert smtp_server.most_at_once == 2
    assert smtp_server.greetings == 2, "the connections were not kept for the next message"
    for person in people:
        assert len(smtp_server.to(person.email)) == 1
