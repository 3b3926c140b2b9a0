"""Time to invitation: single immediate meetings on the embedded default.

Run from the repository root:

    .venv/bin/python bench/bench_time_to_invitation.py [--count 200] [--interval 0.5]

It starts `convener serve` (web server and worker, SQLite in a fresh data directory, or a
fresh database on the server DATABASE_URL names) on a free port, with CONVENER_SMTP_HOST
and CONVENER_SMTP_PORT pointing at an aiosmtpd server inside this process, and a bearer
token from `convener createtoken`. Then, one at a time and `--interval` seconds apart, it
schedules `--count` immediate meetings, each with its own contact, through
POST /api/v1/meetings, and measures from just before the request is sent (the trigger)
to the moment the contact's invitation reaches the SMTP server.

Two runs: Jitsi (no provider call at all), and Google Meet through the fake Google with
150 ms latency on every call (`--latency-ms`). Prints p50, p90, p99 and the maximum of
each, and the API's own response time. Target: p99 within the provider's latency plus
500 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2

from bench.common import (
    Children,
    Profiler,
    Sandbox,
    SmtpSink,
    bulk_contacts,
    bulk_users,
    command_line,
    convener_command,
    descendants,
    free_port,
    percentile,
    rule,
    sandbox,
    setup_django,
    summarise_profile,
    verdict,
    wait_for,
    wait_for_http,
    wait_for_output,
)
from fakeproviders import settings_for
from fakeproviders.google import FakeGoogle
from fakeproviders.harness import FakeServer

SCOPES = [
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
    "https://www.googleapis.com/auth/calendar.calendars.readonly",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="meetings per provider")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between triggers")
    parser.add_argument("--latency-ms", type=float, default=150.0, help="the fake's latency")
    parser.add_argument(
        "--providers", default="jitsi,google_meet", help="comma-separated: jitsi, google_meet"
    )
    parser.add_argument(
        "--profile", type=Path, default=None, help="py-spy the worker; raw stacks to this dir"
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    return parser.parse_args()


def prepare(count: int, providers: list[str], fake: FakeServer) -> tuple[str, dict[str, list[int]]]:
    """A team member with a Google connection and `count` contacts per provider; returns
    the member's username and the contact ids per provider."""
    from convener.connections.models import Connection
    from convener.crm.models import Contact

    (member,) = bulk_users(1, prefix="host")
    httpx2.post(f"{fake.url}/_fake/config", json={"expires_in": 86_400}).raise_for_status()
    token = httpx2.post(f"{fake.url}/_fake/tokens", json={"email": member.email, "scopes": SCOPES})
    token.raise_for_status()
    connection = Connection(
        provider="google_meet",
        level=Connection.Level.USER,
        kind=Connection.Kind.OAUTH,
        user=member,
        account_email=member.email,
        account_name=member.display_name,
    )
    connection.secrets = {
        "access_token": token.json()["access_token"],
        "refresh_token": "",
        "expires_at": time.time() + 86_400,
        "scope": " ".join(SCOPES),
    }
    connection.save()
    bulk_contacts([member], count * len(providers))
    ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    return member.username, {p: ids[n * count : (n + 1) * count] for n, p in enumerate(providers)}


def create_token(box: Sandbox, username: str) -> str:
    import subprocess

    done = subprocess.run(
        [*convener_command(), "createtoken", username, "--name", "bench"],
        env=box.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def worker_pid(serve_pid: int) -> int | None:
    for pid in descendants(serve_pid):
        if "worker" in command_line(pid).split():
            return pid
    return None


@dataclass
class Run:
    triggers: dict[str, float]  # contact email -> time.time() just before the POST
    responses: list[float]  # seconds from the POST to its 201
    latencies: list[float]  # seconds from the trigger to the invitation at the SMTP server
    missing: int


def measure(
    api: httpx2.Client, sink: SmtpSink, provider: str, contact_ids: list[int], interval: float
) -> Run:
    from convener.crm.models import Contact

    emails = dict(Contact.objects.filter(pk__in=contact_ids).values_list("pk", "email"))
    triggers: dict[str, float] = {}
    responses: list[float] = []
    next_at = time.perf_counter()
    for contact_id in contact_ids:
        next_at += interval
        email = emails[contact_id].lower()
        triggers[email] = time.time()
        started = time.perf_counter()
        answer = api.post(
            "/api/v1/meetings",
            json={"contact_ids": [contact_id], "title": "Quick call", "provider": provider},
        )
        responses.append(time.perf_counter() - started)
        if answer.status_code != 201:
            raise RuntimeError(f"POST /api/v1/meetings: {answer.status_code} {answer.text}")
        time.sleep(max(0.0, next_at - time.perf_counter()))
    with contextlib.suppress(TimeoutError):  # what is missing is reported
        wait_for(
            lambda: all(e in sink.arrivals for e in triggers),
            timeout=120,
            what="the last invitations",
            every=0.1,
        )
    latencies = [sink.arrivals[e] - t for e, t in triggers.items() if e in sink.arrivals]
    return Run(triggers, responses, latencies, len(triggers) - len(latencies))


def phases(run: Run, sink: SmtpSink) -> dict[str, list[float]]:
    """Where each meeting's time went, from the timestamps Convener stores (ms)."""
    from convener.meetings.models import Attempt, Delivery, Meeting

    spans: dict[str, list[float]] = {
        "trigger -> meeting row saved (API)": [],
        "row saved -> provider call starts (pickup, pacing)": [],
        "provider call (create step's call)": [],
        "call done -> invitation written": [],
        "invitation written -> at the SMTP server": [],
    }
    meetings = Meeting.objects.filter(contact__email__in=list(run.triggers)).select_related(
        "contact"
    )
    for meeting in meetings:
        if meeting.contact is None:
            continue
        email = meeting.contact.email.lower()
        attempts = list(Attempt.objects.filter(meeting=meeting, operation="create"))
        delivery = Delivery.objects.filter(meeting=meeting, recipient__iexact=email).first()
        if not attempts or delivery is None:
            continue
        if email not in sink.arrivals:
            continue
        stamps = [
            run.triggers[email],
            meeting.created_at.timestamp(),
            min(a.started_at for a in attempts).timestamp(),
            max(a.finished_at or a.started_at for a in attempts).timestamp(),
            delivery.created_at.timestamp(),
            sink.arrivals[email],
        ]
        for values, (start, end) in zip(spans.values(), pairwise(stamps), strict=True):
            values.append(1000 * (end - start))
    return spans


def report(name: str, budget_ms: float, run: Run, sink: SmtpSink) -> None:
    ms = [1000 * v for v in run.latencies]
    p50, p90, p99 = (percentile(ms, q) for q in (0.5, 0.9, 0.99))
    print(
        f"{name}: trigger -> invitation at the SMTP server over {len(ms)} meetings:"
        f" p50 {p50:.0f} ms, p90 {p90:.0f} ms, p99 {p99:.0f} ms, max {max(ms):.0f} ms"
        f"  [target p99 <= {budget_ms:.0f} ms: {verdict(p99 <= budget_ms)}]"
    )
    api = [1000 * v for v in run.responses]
    print(
        f"  the API request itself (POST -> 201): p50 {percentile(api, 0.5):.0f} ms,"
        f" p99 {percentile(api, 0.99):.0f} ms"
    )
    print("  where the time goes (from Convener's timestamps):  p50 / p99 ms")
    for phase, values in phases(run, sink).items():
        if values:
            print(
                f"    {phase:<52} {percentile(values, 0.5):6.0f} / {percentile(values, 0.99):6.0f}"
            )


def run(args: argparse.Namespace, box: Sandbox, fake: FakeServer, sink: SmtpSink) -> None:
    providers = [p.strip() for p in args.providers.split(",") if p.strip()]
    setup_django(box)
    rule("time to invitation: single immediate meetings, `convener serve`")
    print(f"database: {box.database}; SMTP: aiosmtpd on 127.0.0.1:{sink.port}")
    username, contacts = prepare(args.count, providers, fake)
    token = create_token(box, username)
    port = free_port()
    with Children(box) as children:
        smtp = {"CONVENER_SMTP_HOST": "127.0.0.1", "CONVENER_SMTP_PORT": str(sink.port)}
        serve_args = [*convener_command(), "serve", "--port", str(port)]
        serve = worker = children.start("serve", serve_args, **smtp)
        wait_for_http(f"http://127.0.0.1:{port}/api/v1/openapi.json", child=serve)
        wait_for_output(worker, "convener worker:")
        api = httpx2.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30.0,
        )
        # One meeting first, not measured: imports and first connections warm up.
        warm = api.post(
            "/api/v1/meetings",
            json={"contact_ids": [contacts[providers[0]][0]], "title": "Warm-up"},
        )
        warm.raise_for_status()
        wait_for(lambda: len(sink.arrivals) >= 1, timeout=60, what="the warm-up invitation")
        pid = worker_pid(serve.pid)
        profiler = (
            Profiler([pid], args.profile, "invite-worker", mode="wall")
            if args.profile and pid
            else None
        )
        results: dict[str, Run] = {}
        for provider in providers:
            latency = 0.0 if provider == "jitsi" else args.latency_ms
            httpx2.post(f"{fake.url}/_fake/faults", json={"latency_ms": latency})
            print(
                f"  {provider}: {args.count} meetings, one every {args.interval:g}s"
                f" (provider latency {latency:g} ms) ...",
                flush=True,
            )
            results[provider] = measure(api, sink, provider, contacts[provider][1:], args.interval)
        profiles = profiler.stop() if profiler else []
        api.close()
    rule("results")
    print(f"machine: {os.cpu_count()} CPUs; 1-minute load average {os.getloadavg()[0]:.1f}")
    for provider, result in results.items():
        latency = 0.0 if provider == "jitsi" else args.latency_ms
        label = f"{provider} (provider latency {latency:g} ms)"
        if result.missing:
            print(f"{label}: {result.missing} invitations never arrived")
        if result.latencies:
            report(label, latency + 500, result, sink)
    if profiles:
        rule("profile of the worker's sync threads (py-spy, wall clock)")
        summarise_profile(profiles, thread_prefix="sync")
        print(f"  raw stacks: {', '.join(map(str, profiles))}")


def main() -> int:
    args = parse_args()
    with (
        FakeServer(FakeGoogle()) as fake,
        SmtpSink() as sink,
        sandbox(
            "invite",
            keep=args.keep,
            **settings_for(fake),
        ) as box,
    ):
        run(args, box, fake, sink)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
