"""The supervisor of `convener worker --processes N`: a process that dies is started
again, at once the first time and later after each death in a row; stopping stops all."""

from __future__ import annotations

import logging
import sys

import pytest
from django.core.management import CommandError, call_command

from convener.dispatch import processes
from convener.dispatch.processes import Supervisor

EXITS = [sys.executable, "-c", "raise SystemExit(3)"]
WAITS = [sys.executable, "-c", "import time\nwhile True: time.sleep(1)"]


def settle(supervisor: Supervisor) -> None:
    for child in supervisor.children:
        if child is not None:
            child.wait(timeout=30)


def test_a_process_that_dies_is_started_again_later_each_time_it_dies_in_a_row(
    caplog: pytest.LogCaptureFixture,
) -> None:
    supervisor = Supervisor(EXITS, 2)
    supervisor._tend()
    first = [child.pid for child in supervisor.children if child is not None]
    assert len(first) == 2
    settle(supervisor)

    with caplog.at_level(logging.WARNING, logger="convener.worker"):
        supervisor._tend()
    # Each death is named with its status, and nothing is started before its time.
    assert [r.getMessage() for r in caplog.records] == [
        f"worker process {pid} exited with status 3; starting another in 1 s" for pid in first
    ]
    assert supervisor.children == [None, None]
    assert supervisor.deaths_in_a_row == [1, 1]

    supervisor.next_start = [0.0, 0.0]  # their time has come
    supervisor._tend()
    second = [child.pid for child in supervisor.children if child is not None]
    assert len(second) == 2 and not set(second) & set(first)
    settle(supervisor)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="convener.worker"):
        supervisor._tend()
    assert all("starting another in 2 s" in r.getMessage() for r in caplog.records)


def test_a_process_that_ran_long_before_it_died_is_started_again_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    supervisor = Supervisor(EXITS, 1)
    supervisor.deaths_in_a_row = [5]  # it had trouble once
    supervisor._tend()
    settle(supervisor)
    monkeypatch.setattr(processes, "HEALTHY_SECONDS", 0.0)  # then ran long enough
    supervisor._tend()
    assert supervisor.deaths_in_a_row == [1]


def test_a_process_that_exits_once_stopping_is_not_started_again() -> None:
    """Ctrl-C or a service manager stops the whole group: a child may exit before the
    supervisor has seen its own signal."""
    supervisor = Supervisor(EXITS, 1)
    supervisor._tend()
    settle(supervisor)
    supervisor.stop()
    supervisor.next_start = [0.0]
    supervisor._tend()
    assert supervisor.children == [None]


def test_stopping_stops_every_process() -> None:
    supervisor = Supervisor(WAITS, 2)
    supervisor._tend()
    running = [child for child in supervisor.children if child is not None]
    assert all(child.poll() is None for child in running)

    supervisor.stop()
    supervisor.run()  # returns once they have stopped

    assert [child.returncode for child in running] == [-15, -15]


def test_the_command_refuses_fewer_than_one_process() -> None:
    with pytest.raises(CommandError, match="--processes must be at least 1, not 0"):
        call_command("worker", processes=0)
