"""What the scale tests share: a fleet of connected Zoom hosts, real `convener worker`
processes, bounded waiting, and the checks a person would make after a bulk run (one
remote meeting per Convener meeting, one invitation per recipient)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from django.db import close_old_connections

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import (
    CredentialsPolicy,
    Delivery,
    Meeting,
    MeetingAction,
    MeetingState,
)
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.team.models import User
from fakeproviders import settings_for
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.connections.support import connect_through_oauth, subprocess_env

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC")
TRANSIENT = {MeetingState.PLANNED, MeetingState.CREATING, MeetingState.LINKED}


def fake(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """GET (no body) or POST one of a fake's control routes; its JSON answer."""
    if body is None:
        answer = httpx2.get(f"{url}/_fake/{path}", timeout=30)
    else:
        answer = httpx2.post(f"{url}/_fake/{path}", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


@dataclass
class Host:
    user: User
    connection: Connection


def connect_zoom_hosts(
    client: Any, count: int, *, requests_per_second: float | None = None
) -> list[Host]:
    """`count` team members, each of whom connects their own Zoom account through the
    fake's consent page, as a person would."""
    hosts = []
    for n in range(count):
        email = f"host{n:02d}@example.com"
        user = User.objects.create_user(f"host{n:02d}", email, "correct-horse-battery")
        client.force_login(user)
        answer = connect_through_oauth(client, "zoom", email)
        assert answer.status_code == 302, answer.content
        connection = Connection.objects.get(user=user, provider="zoom")
        assert connection.status == Connection.Status.ACTIVE, connection.status_reason
        if requests_per_second is not None:
            connection.requests_per_second = requests_per_second
            connection.save(update_fields=["requests_per_second"])
        hosts.append(Host(user, connection))
    client.logout()
    return hosts


def contacts_for(hosts: list[Host], count: int, *, prefix: str = "c") -> list[int]:
    """`count` contacts owned round-robin by the hosts; their ids in creation order."""
    Contact.objects.bulk_create(
        Contact(
            email=f"{prefix}{n:05d}@example.org",
            first_name="Contact",
            last_name=f"{n:05d}",
            timezone=ZONES[n % len(ZONES)],
            owner=hosts[n % len(hosts)].user,
        )
        for n in range(count)
    )
    return list(
        Contact.objects.filter(email__startswith=prefix).order_by("pk").values_list("pk", flat=True)
    )


def launch(action: MeetingAction, reference: str) -> TriggerRef:
    """The trigger of a bulk launch of `action` with this reference."""
    return TriggerRef(TriggerKind.BULK, str(action.pk), reference)


def owners_action(provider: str, **fields: Any) -> MeetingAction:
    """A reusable action that makes each meeting with the contact owner's own account."""
    return MeetingAction.objects.create(
        name=f"{provider} at scale",
        provider=provider,
        credentials=CredentialsPolicy.CONTACT_OWNER,
        title_template="Intro call with {{ contact.name }}",
        description_template="Booked in bulk for {{ contact.email }}.",
        duration_minutes=30,
        timing={"mode": "immediate"},
        **fields,
    )


def worker_settings(
    *fakes: FakeServer, smtp_port: int | None = None, **extra: str
) -> dict[str, str]:
    """CONVENER_* variables that point a worker subprocess at the fakes and the test's
    SMTP server, with short timeouts and a fast poll so a bounded test stays bounded."""
    env = {
        "CONVENER_WORKER_POLL_SECONDS": "0.05",
        "CONVENER_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **settings_for(*fakes),
    }
    if smtp_port:
        env.update(CONVENER_SMTP_HOST="127.0.0.1", CONVENER_SMTP_PORT=str(smtp_port))
    env.update(extra)
    return env


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None once
    the process is gone."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_cpu_seconds(pid: int) -> float:
    """CPU time the process has used (user + system); 0 once it is gone."""
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


@dataclass
class Workers:
    """Real `python -m convener worker` processes on the test's database."""

    env: dict[str, str]
    log_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    started: int = 0
    killed: int = 0
    per_command: int = 1  # `--processes`: more than one puts a supervisor in front

    def start(self, count: int = 1) -> None:
        for _ in range(count):
            self.processes.append(self._spawn())

    def _spawn(self) -> subprocess.Popen[bytes]:
        self.started += 1
        log = (self.log_dir / f"worker-{self.started:03d}.log").open("wb")
        try:
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "convener",
                    "worker",
                    "--processes",
                    str(self.per_command),
                    "--sweep-every",
                    "1",
                ],
                env=subprocess_env(**self.env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()

    def kill_and_replace(self, index: int) -> None:
        """SIGKILL one worker (no cleanup of any kind runs) and start a fresh one."""
        process = self.processes[index]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        self.killed += 1
        self.processes[index] = self._spawn()

    def crashed(self) -> list[str]:
        """Logs of workers that exited on their own (a crash is a bug, not a test result)."""
        return [self.log_tail() for p in self.processes if p.poll() is not None]

    def log_tail(self, lines: int = 40) -> str:
        paths = sorted(self.log_dir.glob("worker-*.log"))
        text = "\n".join(f"== {p.name}\n{p.read_text(errors='replace')}" for p in paths)
        return "\n".join(text.splitlines()[-lines:])

    def troubles(self, top: int = 8) -> str:
        """The workers' most frequent warnings and errors, timestamps and numbers left out:
        what a stalled run was busy failing at."""
        import re

        lines: Counter[str] = Counter()
        for path in self.log_dir.glob("worker-*.log"):
            for line in path.read_text(errors="replace").splitlines():
                if " WARNING " in line or " ERROR " in line or line.startswith(("E", "psycopg")):
                    lines[re.sub(r"\d+", "N", line.split(" ", 2)[-1])[:160]] += 1
        return "; ".join(f"{n}x {text}" for text, n in lines.most_common(top))

    def cpu_seconds(self) -> float:
        """CPU time used so far by the running workers (user + system), from /proc."""
        return sum(process_cpu_seconds(process.pid) for process in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def states() -> Counter[str]:
    from django.db.models import Count

    rows = Meeting.objects.values_list("state").annotate(n=Count("pk")).order_by()
    return Counter({str(state): int(n) for state, n in rows})


def wait_until(
    done: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    describe: Callable[[], str] = lambda: "",
    every: float = 0.5,
) -> float:
    """Poll `done` until it is true; fail with `what` and a picture of the state when the
    time is up. Returns the seconds it took."""
    began = time.monotonic()
    while True:
        close_old_connections()  # read what the workers committed, not a stale snapshot
        if done():
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            raise AssertionError(f"not {what} after {timeout:.0f}s: {describe()}")
        time.sleep(every)


def assert_made_once_each(meetings: list[Meeting], fake_state: dict[str, Any]) -> None:
    """The provider holds exactly one live meeting per Convener meeting, and each row
    points at it: no duplicate, nothing missing, nothing stray."""
    keys = {m.key for m in meetings}
    live = fake_state["live_meetings_by_key"]
    doubled = {k: n for k, n in live.items() if n != 1}
    assert not doubled, f"{len(doubled)} meetings made more than once: {list(doubled)[:5]}"
    assert set(live) == keys, (
        f"{len(keys - set(live))} meetings missing at the provider, "
        f"{len(set(live) - keys)} unknown ones there"
    )
    remote = {
        str(m["key"]): str(m["id"]) for m in fake_state["meetings"] if m["key"] and not m["deleted"]
    }
    wrong = [m.pk for m in meetings if remote[m.key] != m.provider_meeting_id]
    assert not wrong, f"{len(wrong)} meetings point at another remote meeting: {wrong[:5]}"


def invitations_received(inbox: Inbox) -> Counter[tuple[str, str]]:
    """How many invitations the SMTP server received per (meeting UID, recipient); other
    mail (a reconnect notice) is not counted."""
    return Counter(
        (str(message["X-Convener-Meeting"]), rcpt.lower())
        for message, (_, rcpts) in zip(inbox.messages, inbox.envelopes, strict=True)
        if message["X-Convener-Meeting"]
        for rcpt in rcpts
    )


def assert_invited_once_each(
    meetings: list[Meeting], inbox: Inbox | None, *, allow_repeats: bool = False
) -> None:
    """Every meeting is invited; its one Delivery per recipient was sent; the SMTP server
    received exactly one invitation per meeting and recipient (with `allow_repeats`, at
    least one: a worker killed between handing a message to the SMTP server and marking
    it sent cannot know it went out)."""
    not_invited = [(m.pk, m.state, m.state_reason) for m in meetings if m.state != "invited"]
    assert not not_invited, f"{len(not_invited)} meetings not invited: {not_invited[:5]}"
    expected = Counter(
        (str(uid), email.lower())
        for uid, email in Meeting.objects.filter(pk__in=[m.pk for m in meetings]).values_list(
            "uid", "attendees__email"
        )
    )
    rows = Counter(
        (str(uid), email.lower())
        for uid, email, status in Delivery.objects.filter(
            meeting__in=[m.pk for m in meetings], method="REQUEST"
        ).values_list("meeting__uid", "recipient", "status")
        if status in {Delivery.Status.SENT, Delivery.Status.HELD}
    )
    assert rows == expected, "delivery rows differ from the attendees"
    if inbox is None:
        return
    received = invitations_received(inbox)
    if not allow_repeats:
        doubled = {k: n for k, n in received.items() if n > 1}
        assert not doubled, f"{len(doubled)} invitations received twice: {list(doubled)[:5]}"
    assert set(received) == set(expected), (
        f"{len(set(expected) - set(received))} invitations never arrived, "
        f"{len(set(received) - set(expected))} unexpected"
    )


def describe_pipeline() -> str:
    from convener.meetings.models import Attempt

    errors = Counter(
        Attempt.objects.exclude(error="").values_list("error", flat=True)[:2000]
    ).most_common(5)
    stuck = list(
        Meeting.objects.exclude(state=MeetingState.INVITED).values_list(
            "pk",
            "state",
            "state_reason",
            "attempts",
            "next_attempt_at",
            "lease_until",
            "updated_at",
        )[:5]
    )
    return f"states={dict(states())} stuck={stuck} top_errors={errors}"


def connect_google_host(client: Any, email: str) -> Connection:
    """A team member connects their Google account through the fake's consent page (which,
    unlike Zoom's, asks with an `action` button and granular scope boxes)."""
    import re
    from urllib.parse import urlsplit

    user = User.objects.create_user(email.split("@")[0], email, "correct-horse-battery")
    client.force_login(user)
    started = client.post("/connections/google_meet/connect/", {"level": "user"})
    assert started.status_code == 302, started.content
    page = httpx2.get(started.url, timeout=30)
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', page.text)
    assert consent_id, page.text
    split = urlsplit(started.url)
    answer = httpx2.post(
        f"{split.scheme}://{split.netloc}{split.path}",
        data={"consent_id": consent_id.group(1), "email": email, "action": "allow"},
        timeout=30,
    )
    assert answer.status_code in (302, 303), answer.text
    back = urlsplit(answer.headers["location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    client.logout()
    connection = Connection.objects.get(user=user, provider="google_meet")
    assert connection.status == Connection.Status.ACTIVE, connection.status_reason
    return connection


def google_live_events_by_key(fake_state: dict[str, Any]) -> dict[str, list[str]]:
    """Event ids of the live (not cancelled) events per Convener key, in every calendar."""
    live: dict[str, list[str]] = {}
    for account in fake_state["accounts"].values():
        for event in account["events"]:
            if event["convener_key"] and not event["deleted"]:
                live.setdefault(str(event["convener_key"]), []).append(str(event["id"]))
    return live


def meetings_cut_off() -> int:
    """Meetings with a provider call cut off by a stopped worker (closed by the step that
    took the meeting over)."""
    from convener.dispatch.provider_step import CUT_OFF
    from convener.meetings.models import Attempt

    return Attempt.objects.filter(error=CUT_OFF).values("meeting").distinct().count()
