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

import contextlib
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


def convener_command(patches: Sequence[str] = ()) -> list[str]:
    """The `convener` console script of this interpreter's environment; with `patches`,
    the same command with proposed fixes applied in memory (see PATCHES)."""
    if patches:
        unknown = set(patches) - set(PATCHES)
        if unknown:
            raise SystemExit(f"unknown patch {sorted(unknown)}; known: {sorted(PATCHES)}")
        return [sys.executable, str(Path(__file__).resolve()), "--patched", ",".join(patches)]
    script = Path(sys.executable).with_name("convener")
    return [str(script)] if script.exists() else [sys.executable, "-m", "convener"]


# -- proposed fixes, applied in memory to measure them before they land -------------------
def _patch_tls() -> None:
    """One TLS context per process instead of one per provider call.

    convener/providers/http.py makes an httpx2.Client per call, and each builds a new
    SSLContext that loads the system CA bundle: tens of milliseconds of CPU per call.
    The proposed fix passes one cached context (`verify=tls_context()`) to every client;
    here the same effect comes from caching httpcore2's default context.
    """
    import functools

    import httpcore2

    httpcore2.default_ssl_context = functools.cache(httpcore2.default_ssl_context)


def _patch_fair() -> None:
    """The dispatcher fills the lanes with the fewest calls in flight first.

    convener/meetings/dispatch.py walks the lanes in name order and stops when the pool is
    full, so with a pool smaller than lanes x concurrency the first lanes by name take
    every thread and the others wait until those are done. The proposed fix is one line
    in Dispatcher._loop (`sorted(lanes, key=...)`); this is that loop with the line changed.
    """
    from django.db import close_old_connections
    from django.utils import timezone

    from convener.meetings import dispatch

    def _loop(self: Any) -> None:
        next_poll = 0.0
        while not self.stopping.is_set():
            self.woken.wait(self.poll_seconds)
            self.woken.clear()
            try:
                with self.lock:
                    lanes, self.pending = set(self.pending), set()
                    inflight = dict(self.inflight)
                now = timezone.now().timestamp()
                if now >= next_poll:
                    lanes.update(dispatch.due_lanes())
                    next_poll = now + self.poll_seconds
                for lane in sorted(lanes, key=lambda name: (inflight.get(name, 0), name)):
                    if not self._fill(lane):
                        with self.lock:
                            self.pending.update(lanes)
                        break
            except Exception:
                dispatch.log.exception("dispatcher loop failed; trying again")
            finally:
                close_old_connections()

    dispatch.Dispatcher._loop = _loop  # type: ignore[method-assign]


def _patch_sqlite_conn() -> None:
    """Keep SQLite connections open between steps (CONN_MAX_AGE), as PostgreSQL's are.

    convener/settings.py gives PostgreSQL conn_max_age=60 but SQLite none, and
    dispatch._run_pooled calls close_old_connections() around every step, so on SQLite
    every step opens a new connection (and runs the WAL pragmas) and closes it.
    """
    from convener import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        settings.DATABASES["default"]["CONN_MAX_AGE"] = 600


def _patch_vtimezone() -> None:
    """Build each zone's VTIMEZONE once per process (per zone and years), not per email.

    convener/meetings/invitations/ics.py calls Calendar.add_missing_timezones for every
    invitation with a range of +-366 days around the meeting, and icalendar walks the
    zone's transitions each time: about 1 ms for Europe/Berlin, 13 ms for Asia/Tokyo.
    The proposed fix caches the component by (zone, first year, last year) in ics.py;
    this caches icalendar's Timezone.from_tzid the same way.
    """
    import functools
    from datetime import date

    from icalendar import Timezone

    build = Timezone.from_tzid

    @functools.lru_cache(maxsize=256)
    def by_years(tzid: str, first: int, last: int) -> Any:
        return build(tzid, first_date=date(first, 1, 1), last_date=date(last, 12, 31))

    def from_tzid(tzid: str, first_date: date, last_date: date) -> Any:
        return by_years(tzid, first_date.year, last_date.year)

    Timezone.from_tzid = from_tzid  # type: ignore[method-assign,assignment]


def _patch_invite_inline() -> None:
    """Send a meeting's invitations right after its link is made, in the same thread,
    instead of queueing the invite step behind the lane's other work.

    The invite step needs no provider call, yet it is claimed through the connection's
    lane: it takes one of the lane's few slots, and a create that was pushed back (a 429,
    a paused lane) waits behind every invite step already due in that lane. The proposed
    fix runs `deliver` at the end of a successful create/update step; this re-claims the
    meeting at once after its step and runs the invite step.
    """
    from django.utils import timezone

    from convener.meetings import dispatch
    from convener.meetings.models import Meeting
    from convener.meetings.sync import lease, sync_meeting

    def _run(meeting_id: int) -> None:
        try:
            sync_meeting(meeting_id)
            now = timezone.now()
            due = Meeting.objects.filter(
                pk=meeting_id,
                state="linked",
                send_invitations=True,
                next_attempt_at__lte=now,
                lease_until__isnull=True,
            )
            if due.update(lease_until=now + lease()):
                sync_meeting(meeting_id)
        except Exception:
            dispatch.log.exception("meeting %s: sync failed", meeting_id)

    dispatch._run = _run


PATCHES: dict[str, Callable[[], None]] = {
    "invite-inline": _patch_invite_inline,
    "vtimezone": _patch_vtimezone,
    "tls": _patch_tls,
    "fair": _patch_fair,
    "sqlite-conn": _patch_sqlite_conn,
}


AFTER_SETUP = {"fair", "invite-inline"}  # patches that import models, so need django.setup() first


def _patched_main(argv: list[str]) -> int:
    names, rest = argv[0].split(","), argv[1:]
    for name in names:
        if name not in AFTER_SETUP:
            PATCHES[name]()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "convener.settings")
    import django

    django.setup()
    for name in names:
        if name in AFTER_SETUP:
            PATCHES[name]()
    from convener.cli import main

    return main(rest)


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
class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that notes when each recipient's first
    message arrived (time.time(), comparable with the timestamps Convener stores)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: dict[str, float] = {}
        self.messages = 0
        self.lock = threading.Lock()
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.time()
        with self.lock:
            self.messages += 1
            for rcpt in envelope.rcpt_tos:
                self.arrivals.setdefault(str(rcpt).lower(), now)
        return "250 Message accepted for delivery"

    def __enter__(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

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
    return list(User.objects.filter(username__startswith=f"{prefix}-").order_by("username"))


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


if __name__ == "__main__" and sys.argv[1:2] == ["--patched"]:
    sys.exit(_patched_main(sys.argv[2:]))
