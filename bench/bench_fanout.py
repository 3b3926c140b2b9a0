"""Fan-out benchmark: 10,000 Google Meet meetings over 20 connections, at the provider's pace.

Run from the repository root:

    .venv/bin/python bench/bench_fanout.py [--workers 1] [--pool-size 16] [--redis URL]

Set DATABASE_URL to run on PostgreSQL (a fresh database is created on that server and
dropped afterwards); without it a fresh SQLite file is used.

What it sets up (nothing leaves 127.0.0.1):

* the fake Google (fakeproviders/google.py), in a process of its own as Google is
  elsewhere, with 150 ms latency on every call and at most 10 calls per second per account
  (the fake counts per bearer token's account, so each of the 20 connections has its own
  limit): the ceiling is 20 x 10 = 200 creates per second;
* 20 team members, each with a Google connection (tokens minted by the fake's
  /_fake/tokens, stored as the OAuth callback stores them) whose requests_per_second is 10,
  and 500 contacts each;
* one MeetingAction: Google Meet, credentials = contact owner, immediate, send invitations
  ON without an SMTP server, so the invitations are written and held in the outbox (the
  invite step runs, but mail transport is not what is measured);
* `--workers` real `convener worker` processes.

Then it launches the action for all 10,000 contacts through
`schedule(commit_each_chunk=True)`, as the worker schedules a launch of more than
CONVENER_LAUNCH_IN_BACKGROUND_OVER contacts (from a page, or the API's `in_background`;
scheduling.background): planned, then saved a chunk at a time, each committed. It runs in
this process, so that the worker's CPU per meeting is the create and the invitation alone
(the scheduling's own time is printed); `--launch-in-worker` launches as a page does
(`launch_later`), and the worker schedules it as well. It measures, from the launch to
the moment every meeting has its link: creates per second as a share of the 200/s
ceiling, the rate-limit answers the fake gave (Google answers 403 rateLimitExceeded and
429, alternately), duplicates (more than one live event per Convener key in the fake's
calendars), and provider attempts. Targets: at least 90% of the ceiling, no duplicates,
rate-limit answers under 1% of calls.

In the same run it times what a user would write by hand: a sequential loop with
google-api-python-client inserting events with conferenceDataVersion=1 against the same
fake (same latency and limit, `--manual` events, extrapolated to the full count), and
prints how many times longer that takes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2

from bench import fanout_steps as steps
from bench.common import (
    Children,
    FakeProcess,
    Profiler,
    Sandbox,
    SmtpSink,
    bulk_contacts,
    bulk_users,
    convener_command,
    cpu_seconds,
    machine_cpu,
    proc_status,
    rule,
    sandbox,
    setup_django,
    summarise_profile,
    verdict,
    wait_for_output,
)

# Issue targets: worker CPU per meeting (one worker, invitations over SMTP), and how many
# times faster than a sequential google-api-python-client loop.
CPU_TARGET_MS = 4.0
LOOP_TARGET_TIMES = 25.0

SCOPES = [
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
    "https://www.googleapis.com/auth/calendar.calendars.readonly",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--rate", type=float, default=10.0, help="calls/s per connection")
    parser.add_argument("--workers", type=int, default=1, help="convener worker processes")
    parser.add_argument("--pool-size", type=int, default=None, help="CONVENER_WORKER_POOL_SIZE")
    parser.add_argument(
        "--lane-concurrency", type=int, default=None, help="CONVENER_LANE_CONCURRENCY"
    )
    parser.add_argument(
        "--no-invitations", action="store_true", help="send_invitations off on the action"
    )
    parser.add_argument(
        "--smtp",
        action="store_true",
        help="send the invitations to an SMTP server in this process (default: the outbox)",
    )
    parser.add_argument(
        "--smtp-latency-ms",
        type=float,
        default=0.0,
        help="with --smtp: each round trip to the SMTP server takes this long (a relay)",
    )
    parser.add_argument(
        "--smtp-connections", type=int, default=None, help="CONVENER_SMTP_CONNECTIONS"
    )
    parser.add_argument(
        "--manual", type=int, default=200, help="events in the hand-written loop (0: skip)"
    )
    parser.add_argument("--timeout", type=float, default=3600.0, help="give up after (s)")
    parser.add_argument(
        "--redis",
        default="",
        metavar="URL",
        help="CONVENER_REDIS_URL for the workers: pace the lanes in Redis (its lane keys"
        " are cleared first)",
    )
    parser.add_argument(
        "--launch-in-worker",
        action="store_true",
        help="launch as a page does (scheduling.background.launch_later): the worker itself"
        " schedules, and its CPU per meeting includes the scheduling",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument(
        "--profile", type=Path, default=None, help="py-spy the workers; raw stacks to this dir"
    )
    parser.add_argument(
        "--profile-mode",
        choices=["wall", "cpu", "gil"],
        default="wall",
        help="with --profile: wall clock of the sync threads, CPU, or GIL holders",
    )
    return parser.parse_args()


# -- setup -------------------------------------------------------------------------------
def prepare(args: argparse.Namespace, fake: FakeProcess) -> tuple[Any, list[int]]:
    """Owners, their connections and contacts, and the action; returns it and the ids."""
    from convener.connections.models import Connection
    from convener.crm.models import Contact
    from convener.meetings.models import CredentialsPolicy, MeetingAction

    web = httpx2.Client(base_url=fake.url, timeout=10.0)
    # Tokens that outlive the run, so no refresh is needed (refresh is not measured here).
    web.post("/_fake/config", json={"expires_in": 86_400}).raise_for_status()
    owners = bulk_users(args.connections)
    connections = []
    for owner in owners:
        minted = web.post("/_fake/tokens", json={"email": owner.email, "scopes": SCOPES})
        minted.raise_for_status()
        token = minted.json()
        connection = Connection(
            provider="google_meet",
            level=Connection.Level.USER,
            kind=Connection.Kind.OAUTH,
            user=owner,
            account_email=owner.email,
            account_name=owner.display_name,
            requests_per_second=args.rate,
            access_expires_at=datetime.now(UTC) + timedelta(seconds=token["expires_in"]),
        )
        # The shape the OAuth callback stores (connections/views.py).
        connection.secrets = {
            "access_token": token["access_token"],
            "refresh_token": "",
            "expires_at": time.time() + float(token["expires_in"]),
            "scope": " ".join(SCOPES),
        }
        connections.append(connection)
    Connection.objects.bulk_create(connections)
    per_owner = -(-args.meetings // args.connections)
    bulk_contacts(owners, per_owner)
    ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True)[: args.meetings])
    action = MeetingAction.objects.create(
        name="Fan-out",
        provider="google_meet",
        credentials=CredentialsPolicy.CONTACT_OWNER,
        title_template="Intro call with {{ contact.name }}",
        description_template="Hello {{ contact.first_name }}, this is {{ host.name }}.",
        duration_minutes=30,
        timing={"mode": "immediate"},
        send_invitations=not args.no_invitations,
    )
    web.close()
    return action, ids


# -- measuring ---------------------------------------------------------------------------
def linked_count() -> int:
    from convener.meetings.models import Meeting

    return Meeting.objects.exclude(join_url="").count()


def settled_count() -> int:
    """Meetings with nothing left to do (invited, or linked with invitations off)."""
    from convener.meetings.models import Meeting

    return Meeting.objects.filter(next_attempt_at__isnull=True).exclude(join_url="").count()


def wait_for_links(
    total: int, started: float, timeout: float, children: list[Any]
) -> tuple[float | None, list[tuple[float, int]]]:
    """Poll until every meeting has its link; returns when (seconds after `started`)."""
    samples: list[tuple[float, int]] = []
    last_print = 0.0
    while True:
        now = time.perf_counter() - started
        done = linked_count()
        samples.append((now, done))
        if now - last_print >= 5.0:
            print(f"  {now:6.1f}s  {done:6d} linked", flush=True)
            last_print = now
        if done >= total:
            return now, samples
        if now > timeout:
            return None, samples
        for child in children:
            if not child.alive():
                raise RuntimeError(f"{child.name} died:\n{child.tail()}")
        time.sleep(0.2)


def steady_rate(samples: list[tuple[float, int]], total: int) -> float:
    """Creates per second between 10% and 90% done (the ramp-up and tail left out)."""
    low = next((t, n) for t, n in samples if n >= total * 0.1)
    high = next((t, n) for t, n in samples if n >= total * 0.9)
    return (high[1] - low[1]) / max(1e-9, high[0] - low[0])


def duplicates(state: dict[str, Any]) -> tuple[int, int, int]:
    """(live events, keys with more than one live event, events without a key)."""
    per_key: Counter[str] = Counter()
    live = unkeyed = 0
    for account in state["accounts"].values():
        for event in account["events"]:
            if event["deleted"]:
                continue
            live += 1
            if event["convener_key"]:
                per_key[event["convener_key"]] += 1
            else:
                unkeyed += 1
    return live, sum(1 for n in per_key.values() if n > 1), unkeyed


def created_window() -> tuple[float, float]:
    """Epoch seconds of the first create call's start and the last successful one's end."""
    from django.db.models import Max, Min

    from convener.meetings.models import Attempt

    window = Attempt.objects.filter(operation="create").aggregate(
        first=Min("started_at"), last=Max("finished_at")
    )
    return window["first"].timestamp(), window["last"].timestamp()


def lane_spread(launched: float) -> str:
    """When each connection's last create finished (seconds after the launch), to show
    whether the lanes progressed together or one after another."""
    from django.db.models import Count, Max, Min

    from convener.meetings.models import Attempt

    rows = list(
        Attempt.objects.filter(operation="create", outcome="ok")
        .values("meeting__lane")
        .annotate(first=Min("finished_at"), last=Max("finished_at"), n=Count("id"))
    )
    done = sorted(r["last"].timestamp() - launched for r in rows)
    if not done:
        return "no lane finished"
    # No lane may starve: each lane's first link, however many lanes there are.
    first = sorted(r["first"].timestamp() - launched for r in rows)
    return (
        f"{len(done)} lanes finished between {done[0]:.1f}s and {done[-1]:.1f}s after the launch"
        f" (median {done[len(done) // 2]:.1f}s); each lane's first link between"
        f" {first[0]:.1f}s and {first[-1]:.1f}s (median {first[len(first) // 2]:.1f}s)"
    )


# -- the alternative a user would write by hand -----------------------------------------
def manual_loop(fake: FakeProcess, count: int) -> tuple[float, int]:
    """Seconds for `count` sequential inserts with google-api-python-client, and how many
    failed (the loop has no retries, as a hand-written one usually has none)."""
    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build
    from googleapiclient.errors import HttpError

    minted = httpx2.post(
        f"{fake.url}/_fake/tokens", json={"email": "by-hand@example.com", "scopes": SCOPES}
    )
    minted.raise_for_status()
    service = build(
        "calendar",
        "v3",
        credentials=Credentials(minted.json()["access_token"]),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": f"{fake.url}/calendar/v3/"},
        static_discovery=True,
        cache_discovery=False,
    )
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    failed = 0
    began = time.perf_counter()
    for n in range(count):
        body = {
            "summary": f"Intro call with Contact {n}",
            "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": (start + timedelta(minutes=30)).isoformat(), "timeZone": "UTC"},
            "attendees": [{"email": f"manual-{n}@example.org"}],
            "conferenceData": {
                "createRequest": {
                    "requestId": uuid.uuid4().hex,
                    "conferenceSolutionKey": {"type": "hangoutsMeet"},
                }
            },
        }
        try:
            service.events().insert(
                calendarId="primary", body=body, conferenceDataVersion=1, sendUpdates="none"
            ).execute()
        except HttpError:
            failed += 1
    return time.perf_counter() - began, failed


# -- the run -----------------------------------------------------------------------------
def run(args: argparse.Namespace, box: Sandbox, fake: FakeProcess) -> None:
    setup_django(box)
    from convener.meetings.models import Attempt, Delivery, Meeting
    from convener.meetings.triggers import TriggerKind, TriggerRef
    from convener.scheduling.background import launch_later
    from convener.scheduling.request import ScheduleRequest
    from convener.scheduling.schedule import schedule

    rule(f"fan-out: {args.meetings:,} meetings over {args.connections} Google connections")
    print(f"database: {box.database}")
    action, ids = prepare(args, fake)
    control = httpx2.Client(base_url=fake.url, timeout=60.0)
    control.post(
        "/_fake/faults",
        json={"latency_ms": args.latency_ms, "rate_limit_per_second": args.rate},
    ).raise_for_status()
    ceiling = args.connections * args.rate
    from django.conf import settings

    pool = args.pool_size or settings.WORKER_POOL_SIZE
    connections = args.smtp_connections or settings.SMTP_CONNECTIONS
    mail = (
        "off"
        if args.no_invitations
        else f"on, sent to an SMTP server over {connections} connections per worker,"
        f" {args.smtp_latency_ms:g} ms a round trip"
        if args.smtp
        else "on, held in the outbox (no SMTP)"
    )
    lanes = args.lane_concurrency or settings.LANE_CONCURRENCY
    print(
        f"fake Google: {args.latency_ms:g} ms latency, {args.rate:g} calls/s per account;"
        f" ceiling {ceiling:g} creates/s"
    )
    print(
        f"workers: {args.workers} x `convener worker`, pool {pool}, lane concurrency {lanes};"
        f" invitations {mail};"
        f" pace kept in {'Redis' if args.redis else 'the database'}"
    )
    env: dict[str, str] = {}
    sink = SmtpSink(args.smtp_latency_ms / 1000) if args.smtp and not args.no_invitations else None
    if sink is not None:
        sink.__enter__()
        env.update(CONVENER_SMTP_HOST="127.0.0.1", CONVENER_SMTP_PORT=str(sink.port))
    if args.pool_size:
        env["CONVENER_WORKER_POOL_SIZE"] = str(args.pool_size)
    if args.lane_concurrency:
        env["CONVENER_LANE_CONCURRENCY"] = str(args.lane_concurrency)
    if args.smtp_connections:
        env["CONVENER_SMTP_CONNECTIONS"] = str(args.smtp_connections)
    with Children(box) as children:
        workers = [
            children.start(
                f"worker-{n}", [*convener_command(), "worker", "--processes", "1"], **env
            )
            for n in range(args.workers)
        ]
        for worker in workers:
            wait_for_output(worker, "convener worker:")
        profiler = (
            Profiler(
                [w.pid for w in workers],
                args.profile,
                "fanout-worker",
                mode=args.profile_mode,
            )
            if args.profile
            else None
        )
        cpu_before = {w.pid: cpu_seconds(w.pid) for w in workers}
        load_before = os.getloadavg()[0]
        machine_before = machine_cpu()
        wall_launch = time.time()
        started = time.perf_counter()
        request = ScheduleRequest(
            action=action,
            contact_ids=ids,
            trigger=TriggerRef(TriggerKind.BULK, str(action.pk), "fanout"),
        )
        if args.launch_in_worker:
            launch_later(request, label="Fan-out")
            print(f"  launch_later(): run recorded in {time.perf_counter() - started:.2f}s")
        else:
            outcome = schedule(request, commit_each_chunk=True)
            scheduled = time.perf_counter() - started
            print(
                f"  schedule(): {len(outcome.created_ids):,} meetings saved in {scheduled:.1f}s,"
                " a chunk at a time"
            )
        all_linked, samples = wait_for_links(args.meetings, started, args.timeout, workers)
        invited_at = None
        if all_linked is not None:
            deadline = time.perf_counter() + 600
            while time.perf_counter() < deadline:
                if settled_count() >= args.meetings:
                    invited_at = time.perf_counter() - started
                    break
                time.sleep(0.2)
        cpu = sum(cpu_seconds(w.pid) - cpu_before[w.pid] for w in workers)
        measured = time.perf_counter() - started
        load_after = os.getloadavg()[0]
        machine_after = machine_cpu()
        profiles = profiler.stop() if profiler else []
        peak_rss = [proc_status(w.pid).get("VmHWM", 0) // 1024 for w in workers]
    # The workers have stopped: the fake's counts and the database now agree.
    calls = control.get("/_fake/calls").json()
    state = control.get("/_fake/state").json()
    rule("results")
    if all_linked is None:
        done = linked_count()
        print(f"TIMED OUT after {args.timeout:g}s with {done:,} of {args.meetings:,} linked")
    live, doubled, unkeyed = duplicates(state)
    writes = sum(n for k, n in calls.items() if k.startswith("POST events_insert"))
    limited = sum(n for k, n in calls.items() if " rate_limit " in k)
    api_calls = sum(calls.values())  # control routes (/_fake/...) are not counted
    attempts = Counter(
        f"{op} {outcome}"
        for op, outcome in Attempt.objects.values_list("operation", "outcome").iterator()
    )
    total_attempts = sum(attempts.values())
    held = Delivery.objects.filter(status=Delivery.Status.HELD).count()
    sent = Delivery.objects.filter(status=Delivery.Status.SENT).count()
    states = Counter(Meeting.objects.values_list("state", flat=True).iterator())
    print(f"meetings: {args.meetings:,}; states: {dict(states)}")
    if all_linked is not None:
        rate = args.meetings / all_linked
        first, last = created_window()
        provider_rate = (args.meetings - 1) / max(1e-9, last - first)
        steady = steady_rate(samples, args.meetings)
        print(
            f"launch -> all linked: {all_linked:.1f}s = {rate:.1f} creates/s ="
            f" {rate / ceiling:.1%} of the {ceiling:g}/s ceiling  [target >= 90%:"
            f" {verdict(rate >= 0.9 * ceiling)}]"
        )
        print(
            f"  first create call {first - wall_launch:.2f}s after the launch;"
            f" first to last create call: {provider_rate:.1f}/s"
            f" ({provider_rate / ceiling:.1%}); 10%..90% linked: {steady:.1f}/s"
            f" ({steady / ceiling:.1%})"
        )
        if invited_at is not None and not args.no_invitations:
            print(f"launch -> every invitation sent or held: {invited_at:.1f}s")
    print(
        f"duplicates: {doubled} keys with more than one live event; {live:,} live events"
        f" ({unkeyed} without a key)  [target 0: {verdict(doubled == 0 and unkeyed == 0)}]"
    )
    share = limited / max(1, api_calls)
    print(
        f"rate-limit answers (403 rateLimitExceeded / 429): {limited:,} of {api_calls:,} calls"
        f" = {share:.2%}  [target < 1%: {verdict(share < 0.01)}]"
    )
    print(f"fake's calls by route and status: {dict(sorted(calls.items()))}")
    print(
        f"attempts: {total_attempts:,} Attempt rows for {args.meetings:,} meetings"
        f" ({total_attempts / args.meetings:.3f} per meeting): {dict(attempts)};"
        f" insert calls at the fake: {writes:,}"
    )
    print(f"invitations held in the outbox: {held:,}; sent over SMTP: {sent:,}")
    if sink is not None:
        print(f"messages at the SMTP server: {sink.messages:,}")
        sink.__exit__()
    print(f"lanes: {lane_spread(wall_launch)}")
    per_meeting = 1000 * cpu / args.meetings
    # The target is the default run's: one worker, invitations over SMTP.
    cpu_target = (
        f"  [target <= {CPU_TARGET_MS:g} ms: {verdict(per_meeting <= CPU_TARGET_MS)}]"
        if args.smtp and args.workers == 1 and not args.no_invitations
        else ""
    )
    print(
        f"worker CPU: {cpu:.1f}s in the {measured:.0f}s from the launch to the last step"
        f" ({cpu / measured:.2f} cores), {per_meeting:.1f} ms per meeting;"
        f" peak RSS per worker: {peak_rss} MB{cpu_target}"
    )
    busy = (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1])
    print(
        f"machine: {os.cpu_count()} CPUs, {busy:.0%} busy from the launch to the last step"
        f" (workers, database, the fake and this process together); 1-minute load average"
        f" {load_before:.1f} at the launch, {load_after:.1f} at the end"
    )
    if profiles:
        wall = args.profile_mode == "wall"
        kind = "wall clock, sync threads" if wall else f"{args.profile_mode}, all threads"
        rule(f"profile of the workers ({kind}; py-spy)")
        summarise_profile(profiles, thread_prefix="sync" if wall else "")
        if args.profile_mode == "cpu":
            steps.report(args.profile, 1000 * cpu / args.meetings)
        print(f"  raw stacks: {', '.join(map(str, profiles))}")

    if args.manual > 0 and all_linked is not None:
        rule(f"by hand: a sequential google-api-python-client loop, {args.manual} events")
        seconds, failed = manual_loop(fake, args.manual)
        per_second = args.manual / seconds
        projected = args.meetings / per_second
        print(
            f"{args.manual} inserts in {seconds:.1f}s = {per_second:.2f}/s ({failed} failed);"
            f" extrapolated to {args.meetings:,}: {projected:,.0f}s ({projected / 60:.1f} min)"
        )
        times = projected / all_linked
        print(
            f"Convener: {all_linked:.1f}s for {args.meetings:,}; the loop would take"
            f" {times:.1f}x as long"
            f"  [target >= {LOOP_TARGET_TIMES:g}x: {verdict(times >= LOOP_TARGET_TIMES)}]"
        )
    control.close()


def main() -> int:
    args = parse_args()
    extra = {}
    if args.redis:
        import redis

        from convener.dispatch.redis_lanes import PREFIX

        client = redis.Redis.from_url(args.redis)
        for key in client.scan_iter(match=PREFIX + "*"):
            client.delete(key)
        extra["CONVENER_REDIS_URL"] = args.redis
    with (
        FakeProcess("google") as fake,
        sandbox(
            "fanout",
            keep=args.keep,
            **fake.settings,
            CONVENER_LOG_LEVEL="INFO",
            **extra,
        ) as box,
    ):
        run(args, box, fake)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
