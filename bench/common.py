"""What the pipeline benchmarks share: a throwaway installation, child processes, an SMTP
sink, figures.

Every benchmark builds its own installation and removes it afterwards: a fresh data
directory (and SQLite file) by default, or, when DATABASE_URL is set, a fresh database on
that server, dropped at the end. Nothing leaves 127.0.0.1: the providers are the fakes in
fakeproviders/, mail goes to an aiosmtpd server inside the benchmark process.

The benchmark process itself uses Django against the same database (to prepare data and to
count results); the measured work runs in real `convener` child processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def convener_command() -> list[str]:
    """`convener` of this checkout: children start in ROOT, so `-m` imports the code beside
    the benchmark (the console script would import whichever checkout was installed)."""
    return [sys.executable, "-m", "convener"]


def free_port() -> int:
    # aiosmtpd (and gunicorn's --bind) need a number up front, so ask the OS for one.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- a throwaway installation ------------------------------------------------------------
@dataclass
class Sandbox:
    """A data directory and database of one benchmark run, and the environment that points
    Convener (this process and its children) at them."""

    data_dir: Path
    env: dict[str, str]
    database: str  # what the report says it ran on

    def log_path(self, name: str) -> Path:
        return self.data_dir / f"{name}.log"


def _postgres_fresh(url: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database next to the one DATABASE_URL names; returns its URL and a
    function that drops it."""
    import psycopg

    parts = urlsplit(url)
    name = f"convener_bench_{secrets.token_hex(4)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


@contextlib.contextmanager
def sandbox(name: str, *, keep: bool = False, **extra_env: str) -> Iterator[Sandbox]:
    """A fresh installation for the benchmark `name`, removed on exit (unless `keep`)."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"convener-bench-{name}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVENER_")}
    env.update(
        CONVENER_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="convener.settings",
        CONVENER_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra_env)
    drop: Callable[[], None] | None = None
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        fresh, drop = _postgres_fresh(url)
        env["DATABASE_URL"] = fresh
        described = f"PostgreSQL ({urlsplit(fresh).path.lstrip('/')}, dropped afterwards)"
    else:
        env.pop("DATABASE_URL", None)
        described = f"SQLite ({data_dir / 'convener.sqlite3'}, removed afterwards)"
    try:
        yield Sandbox(data_dir, env, described)
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if drop is not None:
            drop()
        if keep:
            print(f"(kept {data_dir})")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def setup_django(box: Sandbox) -> None:
    """Point this process's Django at the sandbox and create the tables."""
    os.environ.update(box.env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


# -- child processes -----------------------------------------------------------------------
@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    _file: IO[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 30) -> str:
        self._file.flush()
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def alive(self) -> bool:
        return self.process.poll() is None


class Children:
    """Child processes started by a benchmark; all stopped (by their own ids) on exit."""

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.started: list[Child] = []

    def start(self, name: str, args: Sequence[str], **env: str) -> Child:
        log = self.box.log_path(name)
        out = log.open("wb")
        process = subprocess.Popen(
            list(args),
            cwd=ROOT,
            env={**self.box.env, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            # Its own process group: `convener serve` has children (gunicorn, a worker),
            # and stopping the group stops exactly those, nothing else on the machine.
            start_new_session=True,
        )
        child = Child(name, process, log, out)
        self.started.append(child)
        return child

    def stop(self, child: Child, timeout: float = 20.0) -> None:
        if child.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
            try:
                child.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.process.wait(timeout=5)
        # The group may outlive its leader (a grandchild still shutting down).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child._file.close()

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc: object) -> None:
        for child in reversed(self.started):
            self.stop(child)


def wait_for(
    condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(every)


def wait_for_output(child: Child, text: str, *, timeout: float = 60.0) -> None:
    def printed() -> bool:
        if not child.alive():
            raise RuntimeError(f"{child.name} exited early:\n{child.tail()}")
        child._file.flush()
        return text in child.log.read_text(errors="replace")

    wait_for(printed, timeout=timeout, what=f"{child.name} to print {text!r}", every=0.1)


def wait_for_http(url: str, *, timeout: float = 60.0, child: Child | None = None) -> None:
    import httpx2

    def answers() -> bool:
        if child is not None and not child.alive():
            raise RuntimeError(f"{child.name} exited early:\n{child.tail()}")
        try:
            httpx2.get(url, timeout=2.0)
        except httpx2.TransportError:
            return False
        return True

    wait_for(answers, timeout=timeout, what=url, every=0.1)


# -- memory ------------------------------------------------------------------------------
def proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak RSS) and friends of a process, in kB, from /proc."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name.startswith("Vm") and rest.strip().endswith("kB"):
            values[name] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # After the command name: state is field 3, utime and stime fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat: the share
    busy between two readings says whether the run was short of CPU."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return sum(values) - idle, sum(values)


def descendants(pid: int) -> list[int]:
    """A process's children, grandchildren ... (from /proc), for finding gunicorn's workers."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        path = Path(f"/proc/{parent}/task/{parent}/children")
        with contextlib.suppress(OSError):
            kids = [int(p) for p in path.read_text().split()]
            found += kids
            todo += kids
    return found


def command_line(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    return ""


# -- profiling (py-spy, when installed: `.venv/bin/pip install py-spy`; not a requirement) --
SPY_OPTIONS = ["--rate", "100", "--format", "raw", "--threads", "--nonblocking"]


class Profiler:
    """py-spy sampling the given processes into collapsed-stack files. Modes: "wall"
    (idle threads included, so waiting on locks, sleeps and the network shows), "cpu"
    (threads that are running) or "gil" (threads holding the GIL: what limits one
    process's throughput, since only one thread runs Python at a time)."""

    def __init__(self, pids: Sequence[int], directory: Path, name: str, *, mode: str) -> None:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(spy).exists():
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        directory.mkdir(parents=True, exist_ok=True)
        self.outputs = [directory / f"{name}-{pid}.txt" for pid in pids]
        options = {"wall": ["--idle"], "cpu": [], "gil": ["--gil"]}[mode]
        self.spies = [
            subprocess.Popen(
                [spy, "record", "--pid", str(pid), *SPY_OPTIONS, *options, "--output", str(out)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid, out in zip(pids, self.outputs, strict=True)
        ]

    def stop(self) -> list[Path]:
        for spy in self.spies:
            if spy.poll() is None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        for spy in self.spies:
            try:
                spy.wait(timeout=30)
            except subprocess.TimeoutExpired:
                spy.kill()
        return [out for out in self.outputs if out.exists()]


def summarise_profile(paths: Sequence[Path], *, thread_prefix: str = "", top: int = 25) -> None:
    """Where the threads whose names start with `thread_prefix` spent their wall time:
    the share of their samples in which each of our (convener/) frames, or the library
    call it is waiting in, is on the stack."""
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            frames = stack.split(";")
            if not frames[0].split(": ", 1)[-1].startswith(thread_prefix):
                continue
            n = int(count)
            total += n
            names = [re.sub(r":\d+\)$", ")", f) for f in frames[1:]]
            for name in dict.fromkeys(names):
                if "convener/" in name or "pacing" in name:
                    inclusive[name] += n
            leaf[names[-1] if names else "?"] += n
    if not total:
        print("  (no samples)")
        return
    print(f"  {total} samples of the {thread_prefix!r} threads; share with the frame on the stack:")
    for name, n in inclusive.most_common(top):
        print(f"    {n / total:6.1%}  {name}")
    print("  innermost frame (where the time is spent):")
    for name, n in leaf.most_common(12):
        print(f"    {n / total:6.1%}  {name}")


# -- mail ----------------------------------------------------------------------------------
class FakeProcess:
    """A fake provider (`python -m fakeproviders --only NAME`) in a process of its own, as
    the provider is elsewhere: its threads then stamp arrivals and sleep out their latency
    without sharing an interpreter lock with the benchmark's SMTP server and its polling,
    which would bunch the arrivals its rate limiter counts. Control it over HTTP at `url`
    (/_fake/...); `settings` points Convener at it. Not one of the run's `Children`:
    those live in the sandbox, whose environment needs these settings first."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.url = ""
        self.settings: dict[str, str] = {}
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> FakeProcess:
        command = ["-m", "fakeproviders", "--only", self.name, "--base-port", "0", "--json"]
        self._process = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fake {self.name} exited before it served")
        served = json.loads(line)
        self.url, self.settings = served[self.name], served["settings"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that notes when each recipient's first
    message arrived (time.time(), comparable with the timestamps Convener stores)."""

    def __init__(self, latency: float = 0.0) -> None:
        self.port = free_port()
        # Seconds each of a message's two round trips takes (MAIL, RCPT and DATA
        # pipelined, then the content): a relay elsewhere in the data centre or a sending
        # service, rather than a server on the same machine.
        self.latency = latency
        self.arrivals: dict[str, float] = {}
        self.messages = 0
        self.lock = threading.Lock()
        self._controller: Any = None

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        # Offered as Postfix, Exchange and Gmail offer it (aiosmtpd takes pipelined
        # commands but does not say so): invitations then take two round trips, not four.
        session.host_name = hostname
        responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if self.latency:
            await asyncio.sleep(self.latency)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.latency:
            await asyncio.sleep(self.latency)
        now = time.time()
        with self.lock:
            self.messages += 1
            for rcpt in envelope.rcpt_tos:
                self.arrivals.setdefault(str(rcpt).lower(), now)
        return "250 Message accepted for delivery"

    def __enter__(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        # aiosmtpd logs every command of every session at INFO (ten lines a message, a
        # second of this process's CPU per 10,000 invitations on a machine the worker
        # shares): a relay elsewhere would not be logging here.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


# -- figures -------------------------------------------------------------------------------
def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (p99 of 200 values is the 198th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def rule(title: str) -> None:
    print(f"\n== {title}", flush=True)


def bulk_users(count: int, prefix: str = "owner") -> list[Any]:
    """`count` team members named prefix-00 ... with emails at example.com."""
    from convener.team.models import User

    users = [
        User(
            username=f"{prefix}-{n:02d}",
            email=f"{prefix}-{n:02d}@example.com",
            first_name=prefix.title(),
            last_name=f"{n:02d}",
            timezone="Europe/Berlin",
        )
        for n in range(count)
    ]
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users)
    made = list(User.objects.filter(username__startswith=f"{prefix}-").order_by("username"))
    # bulk_create sends no post_save, so the Members group (what a new member may do) is
    # joined here, as a member made any other way joins it.
    from convener.team.members import members_group

    members_group().user_set.add(*made)
    return made


def bulk_contacts(owners: Sequence[Any], per_owner: int, *, batch: int = 5000) -> int:
    """`per_owner` contacts for each owner, inserted in batches; returns how many."""
    from convener.crm.models import Contact

    zones = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney", ""]
    rows: list[Any] = []
    total = 0
    for o, owner in enumerate(owners):
        for n in range(per_owner):
            rows.append(
                Contact(
                    email=f"contact-{o:03d}-{n:06d}@example.org",
                    first_name="Contact",
                    last_name=f"{o:03d}-{n:06d}",
                    company="Bench Ltd",
                    timezone=zones[n % len(zones)],
                    owner=owner,
                )
            )
            if len(rows) >= batch:
                Contact.objects.bulk_create(rows)
                total += len(rows)
                rows = []
    if rows:
        Contact.objects.bulk_create(rows)
        total += len(rows)
    return total
