"""`convener worker`: background workers for link creation and invitations.

Runs the dispatcher (provider calls for every lane, on a bounded thread pool), a few
task-runner threads for queued tasks, and the sweeper for interrupted invitations. Start
any number of these processes, on any number of machines, against the same PostgreSQL
database: they share the work through leases and the pace through the database.
`--processes N` runs N of them under this one command (`processes.Supervisor`).
"""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from convener.dispatch import periodic
from convener.dispatch.dispatcher import start_dispatcher
from convener.dispatch.processes import Supervisor, default_processes
from convener.dispatch.sweeper import recover_interrupted_deliveries

log = logging.getLogger("convener.worker")


class Command(BaseCommand):
    help = "Run background workers (link creation, invitations, retries)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=2, help="task runners (default 2)")
        parser.add_argument(
            "--sweep-every", type=float, default=5.0, help="seconds between sweeps (default 5)"
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="worker processes (default: one per core; one on SQLite)",
        )

    def handle(
        self,
        *args: Any,
        threads: int,
        sweep_every: float,
        processes: int | None,
        **options: Any,
    ) -> None:
        count = processes if processes is not None else default_processes()
        if count < 1:
            raise CommandError(f"--processes must be at least 1, not {count}")
        if count > 1:
            self._supervise(count, threads, sweep_every)
            return
        self._run(threads, sweep_every)

    def _supervise(self, count: int, threads: int, sweep_every: float) -> None:
        command = [sys.executable, "-m", "convener", "worker", "--processes", "1"]
        command += ["--threads", str(threads), "--sweep-every", f"{sweep_every:g}"]
        supervisor = Supervisor(command, count)
        signal.signal(signal.SIGINT, supervisor.stop)
        signal.signal(signal.SIGTERM, supervisor.stop)
        self.stdout.write(f"convener worker: {count} processes")
        supervisor.run()

    def _run(self, threads: int, sweep_every: float) -> None:
        _tune_collector()
        stop = threading.Event()
        prefix = get_random_string(8)
        workers = [
            Worker(
                queue_names=["default"],
                interval=settings.WORKER_POLL_SECONDS,
                batch=False,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=f"{prefix}-{n}",
                excluded_queue_names=[],
            )
            for n in range(max(1, threads))
        ]

        def shut_down(signum: int, frame: FrameType | None) -> None:
            log.info("stopping workers after their current task")
            stop.set()
            for worker in workers:
                worker.running = False

        signal.signal(signal.SIGINT, shut_down)
        signal.signal(signal.SIGTERM, shut_down)

        def run(worker: Worker) -> None:
            try:
                worker.run()
            finally:
                close_old_connections()

        dispatcher = start_dispatcher()
        runners = [threading.Thread(target=run, args=(w,), name=w.worker_id) for w in workers]
        for runner in runners:
            runner.start()
        loops = periodic.start(stop)  # registered from above: campaign steps, ...
        self.stdout.write(
            f"convener worker: {len(workers)} task runners, sweeping every {sweep_every:g}s"
        )
        while not stop.wait(sweep_every):
            try:
                recover_interrupted_deliveries()
            except Exception:
                log.exception("sweep failed; trying again at the next one")
            finally:
                close_old_connections()
        for runner in [*runners, *loops]:
            runner.join()
        dispatcher.stop()


# Objects a collection of the youngest generation waits for (Python's default: 700).
YOUNG_COLLECTION_AFTER = 10_000


def _tune_collector() -> None:
    """Spare the worker most of the cyclic garbage collector's passes. Each meeting makes
    thousands of short-lived objects (rows, models, messages) that reference counting
    frees; at the default threshold the collector ran about 1,500 times in 6,000
    meetings and walked the whole heap, Django and the modules included, a dozen times:
    1.9 s of 35 s of CPU. With what was loaded at start frozen out of its walks and a
    higher threshold: 0.45 s, for about 25 MB more at the peak."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])
