"""Signed webhook deliveries against `convener serve` on the embedded default.

Run from the repository root:

    .venv/bin/python bench/bench_webhook_deliveries.py [--rate 100] [--seconds 30]

It makes a fresh installation (SQLite, or a fresh database on the server DATABASE_URL
names), an administrator, a Jitsi action with an immediate start and a generic-signature
webhook that runs it, then starts `convener serve` (web server and worker) on a free port.
Senders post signed JSON deliveries at `--rate` per second (open loop: a late answer does
not slow the next request) for `--seconds`, each for its own new contact and event id,
with `--retries` of them a retry of an earlier event, signed again.

Prints the deliveries per second sustained, p50 / p99 / max of the answer time, the
statuses, the machine's load average while sending, and whether anything was lost. A 202
means "stored, being processed": the worker then makes the contact and the meeting, so
the benchmark waits (at most `--drain` seconds, and prints how long it took) until no
delivery is still processing and every meeting has its link from the worker; then every
new event must have its contact and exactly one meeting (a retry none of its own).
Targets: at least 100 deliveries per second, p99 at most 300 ms, nothing lost. `--rate 0`
sends as fast as `--senders` threads can, to find the ceiling.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2

from bench.common import (
    Children,
    Sandbox,
    command_line,
    convener_command,
    cpu_seconds,
    descendants,
    free_port,
    machine_cpu,
    percentile,
    rule,
    sandbox,
    setup_django,
    verdict,
    wait_for,
    wait_for_http,
    wait_for_output,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="deliveries per second; 0: max")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to send")
    parser.add_argument("--senders", type=int, default=32, help="concurrent connections")
    parser.add_argument("--retries", type=float, default=0.1, help="share that are retries")
    parser.add_argument("--drain", type=float, default=300.0, help="seconds allowed to drain")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    return parser.parse_args()


def prepare() -> tuple[str, str]:
    """An administrator's webhook running an immediate Jitsi action: its token and secret."""
    from convener.hooks.models import Webhook
    from convener.meetings.models import MeetingAction
    from convener.team.models import User

    admin = User.objects.create_superuser("bench", "bench@example.com", "bench-password-1")
    action = MeetingAction.objects.create(
        name="Webhook demo", provider="jitsi", timing={"mode": "immediate"}
    )
    hook = Webhook(
        name="Bench sender",
        action=action,
        preset=Webhook.Preset.GENERIC,
        signature_header="Convener-Signature",
        mapping=[
            {"path": "contact.email", "target": "email"},
            {"path": "contact.first_name", "target": "first_name"},
            {"path": "contact.timezone", "target": "timezone"},
        ],
        event_id_path="id",
        created_by=admin,
    )
    token, secret = hook.seal()
    hook.save()
    return token, secret


@dataclass
class Sent:
    event_id: str
    status: int
    seconds: float
    meeting: int | None
    retry: bool


@dataclass
class Load:
    url: str
    secret: str
    sent: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    local: threading.local = field(default_factory=threading.local)

    def client(self) -> httpx2.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx2.Client(timeout=30.0)
        return self.local.client  # type: ignore[no-any-return]

    def send(self, n: int, event_id: str, retry: bool) -> None:
        from convener.hooks.signing import generic_header

        body = json.dumps(
            {
                "id": event_id,
                "contact": {
                    "email": f"lead-{event_id}@client.example",
                    "first_name": f"Lead {n}",
                    "timezone": "Europe/Paris",
                },
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Convener-Signature": generic_header(self.secret, body, datetime.now(UTC)),
        }
        started = time.perf_counter()
        try:
            answer = self.client().post(self.url, content=body, headers=headers)
            status = answer.status_code
            meeting = answer.json().get("meeting") if status == 202 else None
        except httpx2.HTTPError:
            status, meeting = 0, None
        with self.lock:
            self.sent.append(Sent(event_id, status, time.perf_counter() - started, meeting, retry))


def drive(load: Load, rate: float, seconds: float, senders: int, retries: float) -> float:
    """Send for `seconds`; returns the wall time from the first send to the last answer."""
    chooser = random.Random(7)
    first_ids: list[str] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        n = 0
        while True:
            elapsed = time.perf_counter() - started
            if elapsed >= seconds:
                break
            if rate > 0:
                due = started + n / rate
                time.sleep(max(0.0, due - time.perf_counter()))
            elif pool._work_queue.qsize() > senders:  # closed loop: keep every sender busy
                time.sleep(0.001)
                continue
            retry = bool(first_ids) and chooser.random() < retries
            event_id = chooser.choice(first_ids) if retry else f"evt-{n}"
            if not retry:
                first_ids.append(event_id)
            pool.submit(load.send, n, event_id, retry)
            n += 1
    return time.perf_counter() - started


def check(load: Load) -> list[str]:
    """What was lost or doubled, if anything, once the worker has drained."""
    from convener.crm.models import Contact
    from convener.hooks.models import HookDelivery
    from convener.meetings.models import Meeting

    problems = []
    events = {s.event_id for s in load.sent if s.status == 202} | {"warm-up"}
    waiting = HookDelivery.objects.filter(outcome=HookDelivery.Outcome.PROCESSING).count()
    if waiting:
        problems.append(f"{waiting} deliveries still processing")
    contacts = Contact.objects.filter(email__startswith="lead-").count()
    if contacts != len(events):
        problems.append(f"{len(events)} events but {contacts} contacts")
    meetings = Meeting.objects.filter(trigger="webhook").count()
    if meetings != len(events):
        problems.append(f"{len(events)} events but {meetings} meetings")
    return problems


def processed() -> bool:
    """No accepted delivery is still waiting for the worker."""
    from convener.hooks.models import HookDelivery

    return not HookDelivery.objects.filter(outcome=HookDelivery.Outcome.PROCESSING).exists()


def drained() -> bool:
    """No accepted delivery is still waiting for the worker, and every meeting it made has
    its link."""
    from convener.hooks.models import HookDelivery

    waiting = HookDelivery.objects.filter(outcome=HookDelivery.Outcome.PROCESSING).exists()
    links, meetings = linked()
    return not waiting and links == meetings


def linked() -> tuple[int, int]:
    from convener.meetings.models import Meeting

    made = Meeting.objects.filter(trigger="webhook")
    return made.exclude(join_url="").count(), made.count()


def run(args: argparse.Namespace, box: Sandbox) -> None:
    setup_django(box)
    rule("signed webhook deliveries, `convener serve` with its worker")
    print(f"database: {box.database}")
    token, secret = prepare()
    port = free_port()
    with Children(box) as children:
        serve = children.start("serve", [*convener_command(), "serve", "--port", str(port)])
        wait_for_http(f"http://127.0.0.1:{port}/api/v1/openapi.json", child=serve)
        wait_for_output(serve, "convener worker:")
        load = Load(f"http://127.0.0.1:{port}/hooks/in/{token}/", secret)
        load.send(-1, "warm-up", False)  # imports and first connections, not measured
        load.sent.clear()
        what = f"{args.rate:g}/s" if args.rate > 0 else f"as fast as {args.senders} senders can"
        print(f"sending {what} for {args.seconds:g} s, {args.retries:.0%} retries ...", flush=True)
        processes = [serve.pid, *descendants(serve.pid)]
        cpu_before = {pid: cpu_seconds(pid) for pid in processes}
        machine_before = machine_cpu()
        wall = drive(load, args.rate, args.seconds, args.senders, args.retries)
        load_average = os.getloadavg()
        machine_after = machine_cpu()
        sent_at = time.perf_counter()
        web_cpu = worker_cpu = 0.0
        for pid, before in cpu_before.items():
            with contextlib.suppress(OSError):
                used = cpu_seconds(pid) - before
                if "worker" in command_line(pid).split():
                    worker_cpu += used
                else:
                    web_cpu += used
        print("waiting for the worker to drain ...", flush=True)
        with contextlib.suppress(TimeoutError):
            wait_for(processed, timeout=args.drain, what="the deliveries", every=0.25)
        processing = time.perf_counter() - sent_at
        with contextlib.suppress(TimeoutError):
            left = max(1.0, args.drain - processing)
            wait_for(drained, timeout=left, what="the links", every=0.25)
        drain = time.perf_counter() - sent_at
        links, meetings = linked()
    rule("results")
    print(
        f"machine: {os.cpu_count()} CPUs; load average at the end of sending "
        f"{load_average[0]:.1f} / {load_average[1]:.1f} / {load_average[2]:.1f} (1/5/15 min)"
    )
    ms = [1000 * s.seconds for s in load.sent]
    statuses = Counter(s.status for s in load.sent)
    rate = len(load.sent) / wall
    p50, p99 = percentile(ms, 0.5), percentile(ms, 0.99)
    # Paced at the target itself, the rate from the first request to the last answer is
    # always a little under it (the last answer's time): keeping the schedule is the test.
    kept_up = args.rate >= 100 and wall <= args.seconds + 0.5
    print(
        f"deliveries: {len(load.sent)} in {wall:.1f} s = {rate:.0f}/s sustained"
        + (
            f" (offered {args.rate:g}/s; kept up: {'yes' if kept_up else 'no'})"
            if args.rate
            else ""
        )
        + f"  [target >= 100/s: {verdict(rate >= 100 or kept_up)}]"
    )
    print(
        f"answer time: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {max(ms):.0f} ms"
        f"  [target p99 <= 300 ms: {verdict(p99 <= 300)}]"
    )
    count = max(1, len(load.sent))
    busy = (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1])
    print(
        f"CPU per delivery: web server {1000 * web_cpu / count:.1f} ms,"
        f" worker {1000 * worker_cpu / count:.1f} ms; the whole machine was {busy:.0%} busy"
        " (other programs included)"
    )
    print(f"statuses: {dict(sorted(statuses.items()))} (202 for new events and retries alike)")
    problems = check(load)
    if statuses.keys() - {202}:
        problems.append(f"answers other than 202: {dict(statuses)}")
    print(f"meetings with their link from the worker: {links} of {meetings}")
    print(
        f"drain after the last answer: every delivery processed (contact and meeting) in "
        f"{processing:.1f} s, every link made by the worker in {drain:.1f} s"
    )
    if links != meetings:
        problems.append(f"{meetings - links} meetings without a link after {args.drain:g} s")
    print(f"nothing lost: {verdict(not problems)}")
    for problem in problems[:20]:
        print(f"  {problem}")


def main() -> int:
    args = parse_args()
    with sandbox("webhooks", keep=args.keep) as box:
        run(args, box)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
