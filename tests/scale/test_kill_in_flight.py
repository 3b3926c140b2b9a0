"""A worker killed while hundreds of its provider calls are in flight on its event loop:
none of those meetings is made twice at the provider, none is invited twice (but for a
send cut off by the kill), and none stays stuck."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from convener.dispatch.provider_step import CUT_OFF
from convener.meetings.models import Attempt, Delivery, Meeting, MeetingState
from convener.scheduling.request import ScheduleRequest
from convener.scheduling.schedule import schedule
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.scale.support import (
    Workers,
    assert_invited_once_each,
    assert_made_once_each,
    connect_zoom_hosts,
    contacts_for,
    describe_pipeline,
    fake,
    launch,
    meetings_cut_off,
    owners_action,
    states,
    wait_until,
    worker_settings,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOSTS = 40
MEETINGS = 600
LANE_CONCURRENCY = 8  # 40 lanes x 8: up to 320 calls in flight at once
IN_FLIGHT_AT_KILL = 200
LEASE_SECONDS = 15  # the provider timeout (8 s) and a second, with room for the call to leave


def test_worker_killed_with_hundreds_of_calls_in_flight_doubles_nothing_and_leaves_nothing_stuck(
    client: Any,
    zoom: FakeServer,
    smtp_server: Inbox,
    workers: Callable[[dict[str, str]], Workers],
    settings: Any,
) -> None:
    hosts = connect_zoom_hosts(client, HOSTS, requests_per_second=10)
    action = owners_action("zoom")
    fake(zoom.url, "options", {"daily_limit": 10_000})
    # Slow answers: the calls pile up in flight, waiting on the loop, when the kill lands.
    fake(zoom.url, "faults", {"latency_ms": 3000})
    pool = workers(
        worker_settings(
            zoom,
            smtp_port=settings.EMAIL_PORT,
            CONVENER_LEASE_SECONDS=str(LEASE_SECONDS),
            CONVENER_PROVIDER_TIMEOUT_SECONDS="8",
            CONVENER_RETRY_BASE_SECONDS="0.5",
            CONVENER_LANE_CONCURRENCY=str(LANE_CONCURRENCY),
        )
    )
    pool.start(1)
    outcome = schedule(
        ScheduleRequest(action, contacts_for(hosts, MEETINGS), launch(action, "in-flight"))
    )
    assert len(outcome.created_ids) == MEETINGS

    def calls_in_flight() -> int:
        return Attempt.objects.filter(outcome=Attempt.Outcome.PENDING).count()

    wait_until(
        lambda: calls_in_flight() >= IN_FLIGHT_AT_KILL,
        timeout=120,
        what=f"{IN_FLIGHT_AT_KILL} calls in flight",
        describe=lambda: f"{calls_in_flight()} in flight; {states()}",
    )
    in_flight = calls_in_flight()
    pool.kill_and_replace(0)
    # The killed worker's calls reach the fake and are answered into the void; the
    # replacement takes their meetings over once their leases run out.
    fake(zoom.url, "faults", {"latency_ms": 20})
    wait_until(
        lambda: states().get(MeetingState.INVITED, 0) == MEETINGS,
        timeout=LEASE_SECONDS + 300,
        what="all invited",
        describe=describe_pipeline,
    )
    assert not pool.crashed(), pool.log_tail()
    pool.stop()
    print(f"\n{in_flight} provider calls in flight at the kill")

    meetings = list(Meeting.objects.order_by("pk"))
    assert_made_once_each(meetings, fake(zoom.url, "state"))
    assert_invited_once_each(meetings, smtp_server, allow_repeats=True)
    # Nothing stuck: no lease held, nothing due, every invitation sent.
    assert not Meeting.objects.filter(lease_until__isnull=False).exists()
    assert not Meeting.objects.filter(next_attempt_at__isnull=False).exists()
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    # The cut-off calls stay on record, and each of their meetings was reconciled (the
    # host's meetings listed) before any create was tried again.
    interrupted = Attempt.objects.filter(error=CUT_OFF).count()
    # Each was closed by the step that took its meeting over: none is left "in progress".
    assert not Attempt.objects.filter(outcome=Attempt.Outcome.PENDING).exists()
    assert interrupted >= IN_FLIGHT_AT_KILL
    assert fake(zoom.url, "calls").get("GET list_meetings 200", 0) >= meetings_cut_off()
