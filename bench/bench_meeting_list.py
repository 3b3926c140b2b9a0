"""The meetings list at scale: how long its pages take over 100,000 meetings.

Run from the repository root:

    .venv/bin/python bench/bench_meeting_list.py [--meetings 100000]

It builds a fresh installation (SQLite in a fresh data directory, or a fresh database on
the server DATABASE_URL names), bulk-inserts the meetings over 10 hosts and 1,000
contacts (half of them to come, half past, in every state), and times, through Django's
test client in this process (warmed up first), as an administrator and as a member who
may see only the meetings they host:

* the first page of the default view (upcoming, soonest first);
* a filtered page: upcoming Zoom meetings that failed, searched by a contact's name;
* the last page of every meeting, latest first.

Each figure is the median of 3 runs. Target: a list page ≤ 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bulk_contacts, bulk_users, rule, sandbox, setup_django, verdict

PAGE_TARGET_S = 1.0
HOSTS = 10
CONTACTS_PER_HOST = 100


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    return parser.parse_args()


def timed(call: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    seconds, answer = [], None
    for _ in range(runs):
        started = time.perf_counter()
        answer = call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), answer


def bulk_meetings(hosts: list[Any], total: int, *, batch: int = 5000) -> int:
    """`total` meetings, one every 10 minutes around now (half to come), spread over
    the hosts, their contacts, the providers and the states."""
    from django.utils import timezone

    from convener.crm.models import Contact
    from convener.meetings.models import Meeting, MeetingState

    contacts = list(Contact.objects.order_by("pk").values_list("pk", "owner_id"))
    states = list(MeetingState.values)
    providers = ["jitsi", "zoom", "google_meet", "microsoft_teams"]
    first = timezone.now() - timedelta(minutes=10 * (total // 2))
    rows: list[Meeting] = []
    made = 0
    for n in range(total):
        contact_id, owner_id = contacts[n % len(contacts)]
        start = first + timedelta(minutes=10 * n)
        state = states[n % len(states)]
        rows.append(
            Meeting(
                title=f"Bench call {n:06d}",
                contact_id=contact_id,
                host_id=owner_id,
                provider=providers[(n // len(states)) % len(providers)],
                start=start,
                end=start + timedelta(minutes=30),
                timezone="Europe/Berlin",
                state=state,
                cancel_requested=state == MeetingState.CANCELLED,
                join_url=f"https://meet.example/{n}" if state in ("linked", "invited") else "",
            )
        )
        if len(rows) >= batch:
            Meeting.objects.bulk_create(rows)
            made += len(rows)
            rows = []
    if rows:
        Meeting.objects.bulk_create(rows)
        made += len(rows)
    return made


def measure(user: Any, total: int) -> None:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get("/meetings/")  # warm up: URLconf, templates, connection
    pages = [
        ("first page (upcoming, soonest first)", "/meetings/", "upcoming meeting"),
        (
            "filtered: upcoming Zoom meetings that failed, searched by contact",
            "/meetings/?state=failed&provider=zoom&q=contact",
            "match the filters",
        ),
        ("last page of all, latest first", f"/meetings/?view=all&page={total}", "Page"),
    ]
    for label, url, expect in pages:

        def ask(url: str = url) -> Any:
            return client.get(url)

        seconds, answer = timed(ask)
        assert answer.status_code == 200, (answer.status_code, answer.content[:300])
        found = expect in answer.content.decode()
        print(
            f"  {label}: {seconds * 1000:.0f} ms"
            f"{'' if found else f'  (UNEXPECTED: {expect!r} not in the page)'}"
            f"  [target ≤ {PAGE_TARGET_S:.0f} s: {verdict(seconds <= PAGE_TARGET_S)}]",
            flush=True,
        )


def main() -> int:
    args = parse_args()
    with sandbox("meeting-list", keep=args.keep) as box:
        setup_django(box)
        from convener.team.members import permissions
        from convener.team.models import User

        rule(f"the meetings list over {args.meetings:,} meetings")
        print(f"database: {box.database}")
        started = time.perf_counter()
        hosts = bulk_users(HOSTS, prefix="host")
        bulk_contacts(hosts, CONTACTS_PER_HOST)
        total = bulk_meetings(hosts, args.meetings)
        print(f"  {total:,} meetings inserted in {time.perf_counter() - started:.1f}s")
        admin = User.objects.create_superuser("boss", "boss@example.com", "x")
        member = hosts[0]
        # Only their own: out of the Members group, with the view and change of their own.
        member.groups.clear()
        member.user_permissions.set(
            permissions(["team.view_own_meetings", "team.view_own_contacts"])
        )
        for who, user in [
            ("administrator", admin),
            (f"member who sees only the {total // HOSTS:,} meetings they host", member),
        ]:
            rule(f"as {who}")
            measure(user, total)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
