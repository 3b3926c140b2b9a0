"""A provider request never leaves when its answer could come after the step's lease
runs out. The worker holds a call in flight until its pacing slot; on a busy machine
the lease may be nearly gone by then, and another worker may run the step again:
a create answered after that is a duplicate meeting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from convener.crm.models import Contact
from convener.dispatch.claiming import claim
from convener.dispatch.provider_step import ProviderStep, renew_held
from convener.dispatch.sync import sync_meeting
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.state import Operation, next_operation
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.outages.support import live_keys, schedule_for
from tests.scheduling.support import calls, connect_zoom

pytestmark = pytest.mark.django_db


def _claimed(member: User, contact: Contact, source: str) -> Meeting:
    meeting = Meeting.objects.get(pk=schedule_for(member, contact, "zoom", source).created_ids[0])
    assert claim(meeting.lane, 1) == [meeting.pk]
    return meeting


def test_a_step_late_for_its_lease_extends_it_and_makes_its_call_once(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    settings: Any,
) -> None:
    connect_zoom(client, member)
    settings.PROVIDER_TIMEOUT_SECONDS = 5.0
    meeting = _claimed(member, contact, "late")
    # The lease leaves less than the provider's timeout (a busy machine held the call):
    # nobody else holds the meeting, so the step extends its lease rather than giving up.
    Meeting.objects.filter(pk=meeting.pk).update(lease_until=timezone.now() + timedelta(seconds=4))

    sync_meeting(meeting.pk)

    meeting.refresh_from_db()
    assert meeting.state == MeetingState.INVITED, meeting.state_reason
    assert live_keys("zoom", zoom) == [meeting.key]
    assert meeting.lease_until is None


def test_a_step_whose_meeting_another_worker_took_sends_nothing_and_writes_nothing(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    settings: Any,
) -> None:
    connect_zoom(client, member)
    settings.PROVIDER_TIMEOUT_SECONDS = 5.0
    meeting = _claimed(member, contact, "taken")
    Meeting.objects.filter(pk=meeting.pk).update(lease_until=timezone.now() + timedelta(seconds=4))
    meeting.refresh_from_db()
    late = ProviderStep(meeting, next_operation(meeting) or Operation.CREATE)
    assert late.begin() is not None
    late.prepare()
    # Its lease ran low before the call left, and another worker claimed the meeting.
    taken_until = timezone.now() + timedelta(seconds=60)
    Meeting.objects.filter(pk=meeting.pk).update(lease_until=taken_until)
    before = calls(zoom)

    outcome = late.call()
    late.land(outcome)

    assert calls(zoom) == before, "a request left under a lease another worker holds"
    assert live_keys("zoom", zoom) == []
    meeting.refresh_from_db()
    assert meeting.lease_until == taken_until, "the late step wrote over the other worker"


def test_a_step_with_its_lease_ahead_makes_its_call(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    settings: Any,
) -> None:
    connect_zoom(client, member)
    settings.PROVIDER_TIMEOUT_SECONDS = 5.0
    meeting = _claimed(member, contact, "ample")
    Meeting.objects.filter(pk=meeting.pk).update(lease_until=timezone.now() + timedelta(seconds=30))

    sync_meeting(meeting.pk)

    meeting.refresh_from_db()
    assert meeting.state == MeetingState.INVITED, meeting.state_reason
    assert live_keys("zoom", zoom) == [meeting.key]


def test_an_answer_landing_after_another_worker_took_the_meeting_over_is_not_written(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
) -> None:
    connect_zoom(client, member)
    meeting = _claimed(member, contact, "overtaken")
    late = ProviderStep(meeting, next_operation(meeting) or Operation.CREATE)
    assert late.begin() is not None
    late.prepare()
    outcome = late.call()  # made the meeting at Zoom; the answer is slow to be written
    assert outcome.error is None
    # Meanwhile its lease ran out and another worker claimed the meeting.
    Meeting.objects.filter(pk=meeting.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert claim(meeting.lane, 1) == [meeting.pk]

    late.land(outcome)

    meeting.refresh_from_db()
    assert meeting.lease_until is not None, "the late answer released the other worker's lease"
    assert meeting.provider_meeting_id == "", "the late answer wrote over the newer holder"
    assert not smtp_server.messages, "the late answer sent invitations itself"
    # The holder's retry finds what the first try made instead of making a second one.
    sync_meeting(meeting.pk)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.INVITED, meeting.state_reason
    assert live_keys("zoom", zoom) == [meeting.key]


def test_a_claimed_meeting_begun_late_starts_with_a_whole_lease_unless_another_worker_took_it(
    client: Any, member: User, contact: Contact, zoom: FakeServer, settings: Any
) -> None:
    connect_zoom(client, member)
    settings.LEASE_SECONDS = 60.0
    waited = _claimed(member, contact, "waited")
    taken = _claimed(member, contact, "taken-over")
    # Both waited in the worker after their claim until their leases had nearly run out;
    # meanwhile another worker claimed the second one, its lease having run out.
    almost_out = timezone.now() + timedelta(seconds=2)
    Meeting.objects.filter(pk__in=[waited.pk, taken.pk]).update(lease_until=almost_out)
    loaded = list(Meeting.objects.filter(pk__in=[waited.pk, taken.pk]).order_by("pk"))
    others_lease = timezone.now() + timedelta(seconds=60)
    Meeting.objects.filter(pk=taken.pk).update(lease_until=others_lease)

    with transaction.atomic():
        begun = renew_held(loaded)

    assert [meeting.pk for meeting in begun] == [waited.pk]
    waited.refresh_from_db()
    assert waited.lease_until is not None
    assert waited.lease_until >= timezone.now() + timedelta(seconds=55)
    assert begun[0].lease_until == waited.lease_until  # what its step will be fenced by
    taken.refresh_from_db()
    assert taken.lease_until == others_lease, "the other worker's lease was overwritten"
