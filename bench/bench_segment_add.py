"""Adding a selection to a static segment: "all 100,000 matching" from the contacts list.

Run from the repository root:

    .venv/bin/python bench/bench_segment_add.py [--contacts 100000] [--runs 3]

Set DATABASE_URL to run on PostgreSQL (a fresh database is created on that server and
dropped afterwards); without it a fresh SQLite file is used.

What it sets up: `--contacts` contacts over 10 owners. Then, as an administrator, through
the pages a person uses:

* "Add to segment…" with every contact selected ("all matching"), into a new static
  segment: the whole request, answered with the counts;
* the same again into that segment: every contact is already a member;
* the contacts list filtered by the static segment (its first page and count);
* "Remove from segment" for all of them.

Target: each request ≤ 3 s, like the bulk popups over 100,000 contacts.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bulk_contacts, bulk_users, rule, sandbox, setup_django, verdict

TARGET_SECONDS = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with sandbox("segment-add") as box:
        setup_django(box)
        from django.test import Client

        from convener.segments.models import Segment
        from convener.team.models import User

        rule(f"adding to a static segment: {args.contacts:,} contacts on {box.database}")
        started = time.perf_counter()
        owners = bulk_users(10)
        made = bulk_contacts(owners, args.contacts // len(owners))
        admin = User.objects.create_superuser("bench-admin", "admin@example.org", "x")
        print(f"{made:,} contacts set up in {time.perf_counter() - started:.1f} s")
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(admin)
        worst = 0.0

        def timed(label: str, call: object) -> object:
            nonlocal worst
            began = time.perf_counter()
            response = call()  # type: ignore[operator]
            took = time.perf_counter() - began
            assert response.status_code == 200, response.status_code
            worst = max(worst, took)
            print(f"{label}: {took:.3f} s")
            return response

        for run in range(args.runs):
            name = f"Everyone {run}"
            timed(
                f"add all {made:,} to a new segment",
                lambda name=name: client.post(
                    "/contacts/add-to-segment/", {"all": "1", "new_name": name}
                ),
            )
            segment = Segment.objects.get(name=name)
            assert segment.memberships.count() == made
            again = timed(
                "add them again (all already members)",
                lambda segment=segment: client.post(
                    "/contacts/add-to-segment/", {"all": "1", "into": segment.pk}
                ),
            )
            assert f'data-already="{made}"'.encode() in again.content  # type: ignore[attr-defined]
            timed(
                "the list filtered by the segment",
                lambda segment=segment: client.get("/contacts/", {"segment": segment.pk}),
            )
            timed(
                "remove them all",
                lambda segment=segment: client.post(
                    f"/segments/{segment.pk}/contacts/remove/",
                    {"segment": segment.pk, "all": "1"},
                ),
            )
            assert not segment.memberships.exists()
        rule("result")
        print(
            f"slowest request: {worst:.3f} s (target ≤ {TARGET_SECONDS:.0f} s): "
            f"{verdict(worst <= TARGET_SECONDS)}"
        )


if __name__ == "__main__":
    main()
