"""Worker processes killed with SIGKILL, again and again, in the middle of a bulk run:
nothing is made twice at the provider, nothing is lost, nothing stays stuck (issue 5,
"crash safety"). Run on PostgreSQL in CI (several workers is what it is for), and on the
SQLite file database too, which must survive the same."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

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
    invitations_received,
    launch,
    meetings_cut_off,
    owners_action,
    states,
    wait_until,
    worker_settings,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MEETINGS = 2000
HOSTS = 40  # Zoom's 100 creates+updates per host and day: 50 meetings each leaves room
WORKERS = 3
KILL_EVERY_SECONDS = 3.0
KILLS = 12
# A killed worker's meetings wait for their lease to run out; 10 s is far longer than one
# step takes here (a provider call answers within the 5 s timeout).
LEASE_SECONDS = 10
# Invitations cut off mid-send are handed on by the sweeper once their meeting's lease has
# run out (convener/dispatch/sweeper.py); a meeting whose invitations are incomplete
# tries them again after 60 s. The wait below adds the lease to this; the two minutes
# beyond the retry leave room for a loaded machine.
INTERRUPTED_SEND_RECOVERY = 60 + 120
POOL_SIZE = 12  # sync threads per worker
SMTP_CONNECTIONS = 4  # mail threads per worker, each sending one meeting's invitations


def test_workers_killed_every_few_seconds_leave_every_meeting_made_once_invited_and_unstuck(
    client: Any,
    zoom: FakeServer,
    smtp_server: Inbox,
    workers: Callable[[dict[str, str]], Workers],
    settings: Any,
) -> None:
    hosts = connect_zoom_hosts(client, HOSTS, requests_per_second=10)
    contact_ids = contacts_for(hosts, MEETINGS)
    action = owners_action("zoom")
    fake(zoom.url, "options", {"daily_limit": 10_000})
    # A little latency, so that kills land while calls are in flight, not only between.
    fake(zoom.url, "faults", {"latency_ms": 20})
    pool = workers(
        worker_settings(
            zoom,
            smtp_port=settings.EMAIL_PORT,
            CONVENER_LEASE_SECONDS=str(LEASE_SECONDS),
            CONVENER_PROVIDER_TIMEOUT_SECONDS="5",
            CONVENER_RETRY_BASE_SECONDS="0.5",
            # Each worker holds a database connection per pool thread and per SMTP
            # connection (plus its dispatcher, task runners and sweeper); a replacement
            # starts before the killed one's connections are gone, so stay well inside
            # PostgreSQL's default 100.
            CONVENER_WORKER_POOL_SIZE=str(POOL_SIZE),
            CONVENER_SMTP_CONNECTIONS=str(SMTP_CONNECTIONS),
        )
    )
    pool.start(WORKERS)

    began = time.monotonic()
    outcome = schedule(ScheduleRequest(action, contact_ids, launch(action, "crashes")))
    assert len(outcome.created_ids) == MEETINGS

    chance = random.Random(5)
    while pool.killed < KILLS and states().get(MeetingState.INVITED, 0) < MEETINGS:
        time.sleep(KILL_EVERY_SECONDS)
        pool.kill_and_replace(chance.randrange(WORKERS))
    killing = time.monotonic() - began

    def only_cut_off_invitations_left() -> bool:
        cut_off = Meeting.objects.filter(deliveries__status=Delivery.Status.SENDING).distinct()
        return states().get(MeetingState.INVITED, 0) + cut_off.count() == MEETINGS

    # A bound on liveness, not a speed target: 2,000 meetings take about 4 minutes on a
    # quiet 2-core machine and longer on a busy one; stuck work never finishes at all.
    rest = wait_until(
        only_cut_off_invitations_left,
        timeout=600,
        what="nearly done",
        describe=lambda: f"{describe_pipeline()} workers={pool.troubles()}",
    )
    took = rest + wait_until(
        lambda: states().get(MeetingState.INVITED, 0) == MEETINGS,
        timeout=LEASE_SECONDS + INTERRUPTED_SEND_RECOVERY + 120,
        what="all invited",
        describe=describe_pipeline,
    )
    assert not pool.crashed(), pool.log_tail()
    pool.stop()
    print(
        f"\n{connection.vendor}: {MEETINGS} meetings, {pool.killed} workers killed over "
        f"{killing:.0f}s; all but cut-off invitations done after {killing + rest:.0f}s, "
        f"all invited after {killing + took:.0f}s"
    )

    meetings = list(Meeting.objects.order_by("pk"))
    assert_made_once_each(meetings, fake(zoom.url, "state"))
    # A worker killed after the SMTP server took a message but before the row said so
    # cannot know it went out: those few may arrive twice. Nothing else may.
    assert_invited_once_each(meetings, smtp_server, allow_repeats=True)
    received = invitations_received(smtp_server)
    repeats = sum(n - 1 for n in received.values())
    print(f"invitations received twice: {repeats}")
    # Each repeat must be a send that was cut off: its row was claimed again after the
    # kill (attempts > 1). A worker has up to its pool size of sends in flight when killed.
    resent = {
        (str(uid), email.lower())
        for uid, email in Delivery.objects.filter(attempts__gt=1).values_list(
            "meeting__uid", "recipient"
        )
    }
    repeated = {key for key, n in received.items() if n > 1}
    assert repeated <= resent, sorted(repeated - resent)[:5]
    assert repeats <= pool.killed * POOL_SIZE

    # Nothing stuck: no lease held, no work pending, every delivery settled.
    assert not Meeting.objects.filter(lease_until__isnull=False).exists()
    assert not Meeting.objects.filter(next_attempt_at__isnull=False).exists()
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SENT}
    # The kills did interrupt provider calls (attempts that never finished), and the
    # meetings they left behind were reconciled by listing the host's meetings.
    interrupted = Attempt.objects.filter(error=CUT_OFF).count()
    # Each was closed by the step that took its meeting over: none is left "in progress".
    assert not Attempt.objects.filter(outcome=Attempt.Outcome.PENDING).exists()
    calls = fake(zoom.url, "calls")
    print(f"provider attempts cut off by a kill: {interrupted}; calls: {calls}")
    assert interrupted > 0
    # A call cut off before it left reached nobody; one that may have reached Zoom left
    # its meeting to be looked for: every meeting with a cut-off call was, before Zoom
    # was asked to make it again (one listing, whatever the number of cut-off calls).
    assert calls.get("GET list_meetings 200", 0) >= meetings_cut_off()
