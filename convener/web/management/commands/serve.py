"""`convener serve`: the embedded default, web server and worker in one command.

Applies pending migrations, then runs gunicorn and one `convener worker` (at a lower CPU
priority, WORKER_NICE) as child processes and stops both when either ends or on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

# The web server and the worker share the machine's CPUs. A visitor or a sender waits for
# the web server's answer; nobody waits on the worker's next step the same way (its work
# is stored, and it catches up between bursts). So the worker runs at a lower priority:
# under a burst the answers get the CPUs first, and an idle machine still gives the worker
# all it wants.
WORKER_NICE = 10


def _lowered(nice: int) -> Callable[[], None] | None:
    """Run in the child before the worker starts, so that every thread it starts has the
    lower priority too; its command line stays `convener worker`."""
    if nice <= 0:
        return None

    def lower() -> None:
        os.nice(nice)

    return lower


class Command(BaseCommand):
    help = "Serve the web interface and run the worker together."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="web server only")
        parser.add_argument(
            "--worker-processes",
            type=int,
            default=1,
            help="worker processes beside the web server (default 1; see `convener worker`)",
        )
        parser.add_argument(
            "--worker-nice",
            type=int,
            default=WORKER_NICE,
            help=f"how much lower the worker's CPU priority is (default {WORKER_NICE}; 0: same)",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        web_workers: int,
        no_worker: bool,
        worker_nice: int,
        worker_processes: int,
        **opts: Any,
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        children = [
            subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "convener.wsgi:application",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(web_workers),
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                    # OAuth codes and state arrive in query strings: keep them out of the log.
                    "--logger-class",
                    "convener.accesslog.RedactingAccessLogger",
                    "--graceful-timeout",
                    "10",
                ]
            )
        ]
        if not no_worker:
            # One by default: the web server needs its share of the machine's cores.
            worker = [sys.executable, "-m", "convener", "worker"]
            worker += ["--processes", str(worker_processes)]
            children.append(
                subprocess.Popen(worker, preexec_fn=_lowered(worker_nice))  # noqa: S603 (our own module)
            )
        self.stdout.write(f"Convener is serving at http://{host}:{port}/ (Ctrl-C stops it)")

        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        failed = [c.returncode for c in children if c.returncode not in (0, -signal.SIGTERM)]
        if failed and not stopping:
            sys.exit(1)
