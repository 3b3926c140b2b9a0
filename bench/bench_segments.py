"""Segment benchmark: a dynamic segment over 100,000 contacts, counted and listed.

Run from the repository root:

    .venv/bin/python bench/bench_segments.py [--contacts 100000] [--runs 5]

Set DATABASE_URL to run on PostgreSQL (a fresh database is created on that server and
dropped afterwards); without it a fresh SQLite file is used.

What it sets up: `--contacts` contacts over 10 owners, each with three custom fields (a
renewal date spread over two years around today, a number of seats, a plan), and an
upcoming meeting for one contact in 50. Then one dynamic segment with a few rules, the
kind a marketing team writes:

    (Renewal is within the next 30 days AND Seats ≥ 10 AND has no upcoming meeting)
    OR (Plan is "Gold" AND Created is within the last 7 days)

and it times, as an administrator and as a member who sees only their own contacts:

* the count (what the segment page and the API's member_count ask);
* the first page of 50 members, in the members' order (the page and the API's list);
* the whole segment page, rendered (count, rules in words and the first page).

Each is the best of `--runs`, with the first (cold) run shown as well. Target: about a
second for the count and for the first page.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bulk_users, rule, sandbox, setup_django, verdict

TARGET_SECONDS = 1.0
PAGE = 50
SEED = 20261202
PLANS = ["Gold", "Silver", "Bronze", "Trial"]

RULES = {
    "groups": [
        {
            "conditions": [
                {"field": "fields.renewal", "operator": "in_next_days", "value": 30},
                {"field": "fields.seats", "operator": "gte", "value": 10},
                {"field": "upcoming_meeting", "operator": "no"},
            ]
        },
        {
            "conditions": [
                {"field": "fields.plan", "operator": "is", "value": "Gold"},
                {"field": "created_at", "operator": "in_last_days", "value": 7},
            ]
        },
    ]
}


def populate(count: int) -> tuple[Any, Any]:
    """The contacts, fields and meetings; returns (an administrator, a member who sees only
    their own contacts)."""
    from django.utils import timezone

    from convener.crm.models import Contact, CustomField
    from convener.meetings.models import Meeting
    from convener.team.members import permissions
    from convener.team.models import User

    for key, label, kind in [
        ("renewal", "Renewal", "date"),
        ("seats", "Seats", "number"),
        ("plan", "Plan", "text"),
    ]:
        CustomField.objects.create(key=key, label=label, kind=kind)
    owners = bulk_users(10)
    chance = random.Random(SEED)
    today = date.today()
    rows: list[Any] = []
    for n in range(count):
        renewal = today + timedelta(days=chance.randint(-365, 365))
        rows.append(
            Contact(
                email=f"contact-{n:06d}@example.org",
                first_name=chance.choice(["Ada", "Bea", "Cid", "Dan", "Eve", "Fay"]),
                last_name=f"Person {n:06d}",
                company="Bench Ltd",
                timezone="Europe/Paris",
                owner=owners[n % len(owners)],
                fields={
                    "renewal": renewal.isoformat(),
                    "seats": chance.randint(1, 50),
                    "plan": chance.choice(PLANS),
                },
            )
        )
        if len(rows) == 5000:
            Contact.objects.bulk_create(rows)
            rows = []
    Contact.objects.bulk_create(rows)
    soon = timezone.now() + timedelta(days=3)
    ids = list(Contact.objects.values_list("pk", flat=True)[::50])
    Meeting.objects.bulk_create(
        Meeting(
            contact_id=pk,
            provider="jitsi",
            title="Call",
            start=soon,
            end=soon + timedelta(minutes=30),
            timezone="UTC",
        )
        for pk in ids
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load: without statistics the
        # planner cannot know that reading contacts in name order finds a page soon.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    admin = User.objects.create_superuser("bench-admin", "admin@example.org", "x")
    member = owners[0]
    member.groups.clear()
    member.user_permissions.set(permissions(["team.view_own_contacts"]))
    return admin, User.objects.get(pk=member.pk)


def timed(action: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """(first run, best run, the last result) in seconds."""
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return times[0], min(times), result


def count_members(segment: Any, viewer: Any) -> int:
    from convener.segments.membership import members

    return members(segment, viewer).count()


def first_page(segment: Any, viewer: Any) -> list[Any]:
    from convener.segments.membership import listed

    return list(listed(segment, viewer)[:PAGE])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with sandbox("segments") as box:
        setup_django(box)
        from django.test import Client

        from convener.segments.models import Segment

        rule(f"segments: {args.contacts:,} contacts on {box.database}")
        started = time.perf_counter()
        admin, member = populate(args.contacts)
        print(f"set up in {time.perf_counter() - started:.1f} s")
        segment = Segment.objects.create(
            name="Renewals", owner=admin, rules=RULES, timezone="Europe/Paris"
        )
        client = Client(HTTP_HOST="127.0.0.1")
        worst = 0.0
        for label, viewer in [("administrator", admin), ("member, own contacts only", member)]:
            rule(label)
            first, best, count = timed(partial(count_members, segment, viewer), args.runs)
            print(f"count: {count:,} members; first {first:.3f} s, best {best:.3f} s")
            worst = max(worst, best)
            first, best, rows = timed(partial(first_page, segment, viewer), args.runs)
            print(f"first page ({len(rows)} members): first {first:.3f} s, best {best:.3f} s")
            worst = max(worst, best)
            client.force_login(viewer)
            first, best, response = timed(lambda: client.get(f"/segments/{segment.pk}/"), args.runs)
            assert response.status_code == 200, response.status_code
            print(f"segment page, rendered: first {first:.3f} s, best {best:.3f} s")
        rule("result")
        print(
            f"slowest of count and first page: {worst:.3f} s "
            f"(target about {TARGET_SECONDS:.0f} s): {verdict(worst <= TARGET_SECONDS)}"
        )


if __name__ == "__main__":
    main()
