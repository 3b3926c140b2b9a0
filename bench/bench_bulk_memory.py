"""Memory: peak RSS of the server process while one request schedules 100,000 recipients.

Run from the repository root:

    .venv/bin/python bench/bench_bulk_memory.py [--recipients 100000]

It builds a fresh installation (SQLite in a fresh data directory, or a fresh database on
the server DATABASE_URL names), bulk-inserts the contacts and one reusable Jitsi action
(Jitsi needs no connected account, so nothing but scheduling is measured; no worker runs,
so the meetings are only saved), then measures three launches of
POST /api/v1/actions/{id}/schedule, each in a process of its own:

* `all_contacts: true`, through Django's test client in a fresh Python process;
* the same with `contact_ids` listing as many ids as one launch may (10,000, the API's
  limit: a larger list is sent in several launches with the same `trigger_ref`);
* `all_contacts: true` through `convener serve --no-worker` (gunicorn), reading the peak
  of the gunicorn worker that served it.

For each it prints the process's resident memory before the request, its peak during it
(VmHWM from /proc/<pid>/status), how many meetings were saved and how long it took.
Target: peak under 300 MB. `--trace` adds tracemalloc's top allocation sites at the
highest point seen (slow; for finding where the memory goes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2

from bench.common import (
    Children,
    Sandbox,
    bulk_contacts,
    bulk_users,
    command_line,
    convener_command,
    descendants,
    free_port,
    proc_status,
    rule,
    sandbox,
    setup_django,
    verdict,
    wait_for_http,
)

TARGET_MB = 300


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument(
        "--variants",
        default="all_contacts,contact_ids,serve",
        help="comma-separated: all_contacts, contact_ids, serve",
    )
    parser.add_argument("--trace", action="store_true", help="tracemalloc's top sites")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    # Internal: the measured process.
    parser.add_argument("--child", choices=["all_contacts", "contact_ids"], help=argparse.SUPPRESS)
    parser.add_argument("--action", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    return parser.parse_args()


# -- the measured process ----------------------------------------------------------------
class PeakWatcher:
    """With --trace: samples RSS and keeps a tracemalloc snapshot from the highest point."""

    def __init__(self) -> None:
        import tracemalloc

        tracemalloc.start(8)
        self.best = 0
        self.snapshot: Any = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        import tracemalloc

        while not self.stop.wait(0.5):
            rss = proc_status(os.getpid())["VmRSS"]
            if rss > self.best * 1.05:
                self.best = rss
                self.snapshot = tracemalloc.take_snapshot()

    def top(self, n: int = 12) -> list[str]:
        self.stop.set()
        self.thread.join()
        if self.snapshot is None:
            return []
        stats = self.snapshot.statistics("traceback")[:n]
        lines = []
        for stat in stats:
            frames = [
                f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in stat.traceback
            ]
            mine = [f for f in frames if "convener/" in f] or frames[-1:]
            lines.append(f"{stat.size / 2**20:7.1f} MB in {stat.count:>8} blocks at {mine[-1]}")
        return lines


def child(args: argparse.Namespace) -> int:
    """Runs the launch through Django's test client and prints its figures as JSON."""
    import django

    django.setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {args.token}")
    # Warm up: URLconf, API schema, models and database connection, as in a running server.
    warm = client.get(f"/api/v1/actions/{args.action}")
    assert warm.status_code == 200, warm.content
    if args.child == "all_contacts":
        body = json.dumps({"all_contacts": True})
    else:
        from convener.crm.models import Contact
        from convener.scheduling.limits import LAUNCH_CONTACT_IDS_MAX

        contacts = Contact.objects.order_by("pk").values_list("pk", flat=True)
        ids = list(contacts[:LAUNCH_CONTACT_IDS_MAX])
        body = json.dumps({"contact_ids": ids})
        del ids
    watcher = PeakWatcher() if args.trace else None
    before = proc_status(os.getpid())
    started = time.perf_counter()
    response = client.post(
        f"/api/v1/actions/{args.action}/schedule", body, content_type="application/json"
    )
    seconds = time.perf_counter() - started
    after = proc_status(os.getpid())
    assert response.status_code == 201, response.content[:500]
    result = {
        "rss_before_kb": before["VmRSS"],
        "peak_kb": after["VmHWM"],
        "peak_before_kb": before["VmHWM"],
        "seconds": seconds,
        "created": response.json()["created"],
        "body_bytes": len(body),
        "top": watcher.top() if watcher else [],
    }
    print("RESULT " + json.dumps(result), flush=True)
    return 0


# -- the benchmark -----------------------------------------------------------------------
def reset_meetings() -> None:
    """Forget the meetings of the previous launch (raw SQL: fast, and no objects here)."""
    from django.db import connection, transaction
    from django_tasks_db.models import DBTaskResult

    from convener.meetings.models import Attempt, Attendee, Delivery, Meeting

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Attendee, Attempt, Delivery, Meeting, DBTaskResult):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 (our own names)


def run_child(box: Sandbox, variant: str, action: int, token: str, trace: bool) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", variant]
    command += ["--action", str(action), "--token", token] + (["--trace"] if trace else [])
    done = subprocess.run(command, env=box.env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return result
    raise RuntimeError(f"the measured process failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def gunicorn_workers(serve_pid: int) -> list[int]:
    return [
        pid
        for pid in descendants(serve_pid)
        if "gunicorn" in command_line(pid) and pid not in _gunicorn_masters(serve_pid)
    ]


def _gunicorn_masters(serve_pid: int) -> set[int]:
    path = Path(f"/proc/{serve_pid}/task/{serve_pid}/children")
    return {int(p) for p in path.read_text().split()}


def run_serve(box: Sandbox, action: int, token: str) -> dict[str, Any]:
    port = free_port()
    with Children(box) as children:
        options = ["--port", str(port), "--no-worker", "--web-workers", "1"]
        serve = children.start("serve", [*convener_command(), "serve", *options])
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/api/v1/openapi.json", child=serve)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx2.Client(base_url=base, headers=headers, timeout=900.0) as api:
            api.get(f"/api/v1/actions/{action}").raise_for_status()  # warm up the worker
            (worker,) = gunicorn_workers(serve.pid)
            before = proc_status(worker)
            started = time.perf_counter()
            response = api.post(f"/api/v1/actions/{action}/schedule", json={"all_contacts": True})
            seconds = time.perf_counter() - started
            after = proc_status(worker)
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.text[:500]}")
    return {
        "rss_before_kb": before["VmRSS"],
        "peak_kb": after["VmHWM"],
        "peak_before_kb": before["VmHWM"],
        "seconds": seconds,
        "created": response.json()["created"],
        "body_bytes": len(b'{"all_contacts": true}'),
        "top": [],
    }


def main() -> int:
    args = parse_args()
    if args.child:
        return child(args)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    with sandbox("memory", keep=args.keep) as box:
        setup_django(box)
        from convener.meetings.models import MeetingAction
        from convener.team.models import ApiToken

        rule(f"memory: one request schedules {args.recipients:,} recipients")
        print(f"database: {box.database}")
        started = time.perf_counter()
        (owner,) = bulk_users(1, prefix="sales")
        bulk_contacts([owner], args.recipients)
        print(f"  {args.recipients:,} contacts inserted in {time.perf_counter() - started:.1f}s")
        action = MeetingAction.objects.create(
            name="Bulk",
            provider="jitsi",
            title_template="Intro call with {{ contact.name }}",
            description_template="Hello {{ contact.first_name }}, this is {{ host.name }}.",
            timing={"mode": "immediate"},
            external_emails=["notes@example.com"],
        )
        _, token = ApiToken.issue(owner, "bench")
        results: dict[str, dict[str, Any]] = {}
        for variant in variants:
            reset_meetings()
            print(f"  launching with {variant} ...", flush=True)
            if variant == "serve":
                results[variant] = run_serve(box, action.pk, token)
            else:
                results[variant] = run_child(box, variant, action.pk, token, args.trace)
        rule("results")
        labels = {
            "all_contacts": "test client, {all_contacts: true}",
            "contact_ids": "test client, {contact_ids: [...10k ids, the API's limit]}",
            "serve": "convener serve (gunicorn worker), {all_contacts: true}",
        }
        for variant, r in results.items():
            peak = r["peak_kb"] / 1024
            print(
                f"{labels[variant]}: peak RSS {peak:.0f} MB (before the request"
                f" {r['rss_before_kb'] / 1024:.0f} MB, so +{peak - r['rss_before_kb'] / 1024:.0f}"
                f" MB); {r['created']:,} meetings saved in {r['seconds']:.1f}s"
                f"  [target < {TARGET_MB} MB: {verdict(peak < TARGET_MB)}]"
            )
            if r["peak_before_kb"] >= r["peak_kb"]:
                print("  (the peak was reached before the request: warm-up or the id list)")
            for line in r["top"]:
                print(f"    {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
