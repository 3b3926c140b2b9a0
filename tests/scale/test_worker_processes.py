"""`convener worker --processes N`: N worker processes under one command that share the
work without doubling any of it, and that do not outlive the command, even killed."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from convener.meetings.models import Meeting, MeetingState
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
    owners_action,
    proc_stat,
    process_cpu_seconds,
    states,
    wait_until,
    worker_settings,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HOSTS = 10
MEETINGS = 300


def children_of(pid: int) -> list[int]:
    entries = (entry.name for entry in Path("/proc").iterdir() if entry.name.isdigit())
    return [int(name) for name in entries if (proc_stat(int(name)) or ["", ""])[1] == str(pid)]


def alive(pid: int) -> bool:
    fields = proc_stat(pid)
    return fields is not None and fields[0] != "Z"


def test_two_processes_under_one_command_share_the_work_and_stop_with_it(
    client: Any,
    zoom: FakeServer,
    smtp_server: Inbox,
    workers: Callable[[dict[str, str]], Workers],
    settings: Any,
) -> None:
    hosts = connect_zoom_hosts(client, HOSTS, requests_per_second=20)
    action = owners_action("zoom")
    fake(zoom.url, "options", {"daily_limit": 10_000})
    fake(zoom.url, "faults", {"latency_ms": 50})
    pool = workers(worker_settings(zoom, smtp_port=settings.EMAIL_PORT))
    pool.per_command = 2
    pool.start(1)
    supervisor = pool.processes[0].pid
    wait_until(
        lambda: len(children_of(supervisor)) == 2,
        timeout=60,
        what="two worker processes under the command",
        describe=pool.log_tail,
    )
    processes = children_of(supervisor)
    before = {pid: process_cpu_seconds(pid) for pid in processes}

    outcome = schedule(
        ScheduleRequest(action, contacts_for(hosts, MEETINGS), launch(action, "processes"))
    )
    assert len(outcome.created_ids) == MEETINGS
    wait_until(
        lambda: states().get(MeetingState.INVITED, 0) == MEETINGS,
        timeout=240,
        what="all invited",
        describe=describe_pipeline,
    )
    meetings = list(Meeting.objects.order_by("pk"))
    assert_made_once_each(meetings, fake(zoom.url, "state"))
    assert_invited_once_each(meetings, smtp_server)
    assert sorted(children_of(supervisor)) == sorted(processes)  # none died and was replaced
    # Both took part (an idle one only polls: a few per cent of the pair's CPU).
    used = {pid: process_cpu_seconds(pid) - before[pid] for pid in processes}
    assert min(used.values()) >= 0.15 * sum(used.values()), used

    # The command killed outright (no handler runs in it): its processes stop too,
    # instead of working on unwatched.
    pool.processes[0].send_signal(signal.SIGKILL)
    pool.processes[0].wait(timeout=30)
    wait_until(
        lambda: not any(alive(pid) for pid in processes),
        timeout=60,
        what="the worker processes to stop with their command",
        describe=lambda: f"still running: {[pid for pid in processes if alive(pid)]}",
    )
