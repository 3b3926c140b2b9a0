"""A run's progress: its meetings by stage, and an estimated finish read off the
providers' pace and daily caps."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.dispatch.pacing import HEADROOM
from convener.meetings.models import DailyQuota, Meeting, MeetingAction, MeetingState, Run
from convener.meetings.state import lane_for
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.launch import launch
from convener.scheduling.progress import run_progress
from convener.scheduling.request import ScheduleRequest
from convener.team.models import User
from tests.dates import winter_day

pytestmark = pytest.mark.django_db

# Ahead of any time the meetings are due at (now), whenever the tests run.
NOON = datetime.combine(winter_day(), time(12), UTC)


def zoom_run(host: User, count: int) -> Run:
    Connection.objects.create(
        provider="zoom", level="user", user=host, account_email="ann@zoom.example"
    )
    action = MeetingAction.objects.create(
        name="Zoom wave", provider="zoom", credentials="contact_owner"
    )
    Contact.objects.bulk_create(
        Contact(email=f"z{n}@example.org", owner=host) for n in range(count)
    )
    ids = list(Contact.objects.values_list("pk", flat=True))
    return launch(ScheduleRequest(action, ids, TriggerRef(TriggerKind.BULK, str(action.pk), "r")))


def test_every_stage_is_counted_and_the_run_is_done_when_nothing_is_left(member: User) -> None:
    run = zoom_run(member, 4)
    meetings = list(run.meetings().order_by("pk"))
    Meeting.objects.filter(pk=meetings[0].pk).update(
        state=MeetingState.INVITED, next_attempt_at=None
    )
    Meeting.objects.filter(pk=meetings[1].pk).update(
        state=MeetingState.CANCELLED, next_attempt_at=None
    )
    progress = run_progress(run, now=NOON)
    assert (progress.total, progress.linked, progress.cancelled, progress.planned) == (4, 1, 1, 2)
    assert (progress.outstanding, progress.status, progress.percent) == (2, "running", 50)
    Meeting.objects.filter(pk__in=[meetings[2].pk, meetings[3].pk]).update(
        state=MeetingState.LINK_FAILED, next_attempt_at=None
    )
    progress = run_progress(run, now=NOON)
    assert (progress.status, progress.failed, progress.estimated_finish) == ("attention", 2, None)
    Meeting.objects.filter(pk__in=[meetings[2].pk, meetings[3].pk]).update(
        state=MeetingState.INVITED
    )
    assert run_progress(run, now=NOON).status == "done"


def test_the_estimate_follows_the_providers_pace(member: User) -> None:
    run = zoom_run(member, 40)
    finish = run_progress(run, now=NOON).estimated_finish
    # Zoom: 2 requests a second, paced at 95 %: 40 creates take about 21 seconds.
    assert finish == NOON + timedelta(seconds=40 / (2 * HEADROOM))


def test_a_host_over_zooms_daily_cap_finishes_on_a_later_utc_day(member: User) -> None:
    run = zoom_run(member, 240)
    connection = Connection.objects.get()
    DailyQuota.objects.create(
        lane=lane_for("zoom", connection.pk), host="ann@example.com", day=NOON.date(), used=60
    )
    # 40 left today, then 100 on each of the next two UTC days: the last on day 3.
    finish = run_progress(run, now=NOON).estimated_finish
    assert finish == datetime.combine(winter_day(2), time(0), UTC)


def test_a_meeting_waiting_for_quota_is_done_no_sooner_than_its_next_try(member: User) -> None:
    run = zoom_run(member, 1)
    later = NOON + timedelta(hours=7)
    run.meetings().update(state=MeetingState.WAITING_QUOTA, next_attempt_at=later)
    assert run_progress(run, now=NOON).estimated_finish == later
