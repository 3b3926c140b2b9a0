"""Preview: how long the preview before a launch takes for 10,000 recipients.

Run from the repository root:

    .venv/bin/python bench/bench_preview.py [--recipients 10000] [--hosts 20] [--repeat 3]

It builds a fresh installation (SQLite in a fresh data directory, or a fresh database on
the server DATABASE_URL names), bulk-inserts the team members and their contacts and one
reusable Jitsi action with smart scheduling (weekdays 09:00-17:00, 30 minutes and a
10-minute gap, each contact owner's own sequence, Europe/Berlin), then times, in this
process:

* `scheduling.preview.preview` for every recipient, asked by an ordinary member who may
  edit them all (so each contact's permission check runs);
* the whole preview page, POST /actions/<id>/launch/ with the 10,000 ids as one list,
  through Django's test client: parsing the ids, finding the contacts, the preview and
  rendering the page (its timeline shows each host's first days and sums up the rest).

Nothing is saved by a preview; the benchmark checks that no meeting exists afterwards.
Each figure is the median wall time and the median CPU time of the process (what the work
costs, whatever else the machine is doing). Target: the page in under 2 s for 10,000
recipients.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bulk_contacts, bulk_users, rule, sandbox, setup_django, verdict

TARGET_SECONDS = 2.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the median counts")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    return parser.parse_args()


def timed(runs: int, work: object) -> tuple[float, float, object]:
    """Median wall time and CPU time of `runs` runs, and the last result. The CPU time
    is what the work costs; the wall time also holds what a busy machine added."""
    assert callable(work)
    wall, cpu, result = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return median(wall), median(cpu), result


def main() -> None:
    args = parse_args()
    with sandbox("preview", keep=args.keep, CONVENER_ALLOWED_HOSTS="testserver") as box:
        setup_django(box)
        from django.test import Client

        from convener.meetings.models import Meeting, MeetingAction
        from convener.meetings.triggers import TriggerKind, TriggerRef
        from convener.scheduling.preview import preview
        from convener.scheduling.request import ScheduleRequest
        from convener.team.members import permissions
        from convener.team.models import User

        rule(f"setup: {args.recipients:,} contacts over {args.hosts} hosts ({box.database})")
        owners = bulk_users(args.hosts)
        per_owner = -(-args.recipients // args.hosts)
        bulk_contacts(owners, per_owner)
        from convener.crm.models import Contact

        ids = list(Contact.objects.order_by("pk").values_list("pk", flat=True)[: args.recipients])
        # A member who may edit every contact, as a team lead would: the permission
        # check of each contact is part of what is measured.
        lead = User.objects.create_user("lead", "lead@example.com", "pw-lead-12345")
        lead.user_permissions.add(*permissions(["team.edit_others_contacts"]))
        lead = User.objects.get(pk=lead.pk)
        action = MeetingAction.objects.create(
            name="Bench wave",
            provider="jitsi",
            credentials="contact_owner",
            timezone="Europe/Berlin",
            timing={
                "mode": "smart",
                "start": "2031-03-03T09:00",
                "gap_minutes": 10,
                "window": {"from": "09:00", "to": "17:00"},
                "days": "weekdays",
                "per_host": True,
            },
        )
        request = ScheduleRequest(
            action, ids, TriggerRef(TriggerKind.BULK, str(action.pk), "bench"), requested_by=lead
        )

        rule("scheduling.preview.preview")
        seconds, cpu, result = timed(args.repeat, lambda: preview(request))
        print(
            f"  {len(ids):,} recipients: {seconds:.3f} s, {cpu:.3f} s of CPU "
            f"(medians of {args.repeat}); "
            f"{result.planned:,} planned, {result.skipped:,} skipped, "  # type: ignore[attr-defined]
            f"{len(result.hosts)} hosts"  # type: ignore[attr-defined]
        )

        rule("the preview page (POST /actions/<id>/launch/)")
        client = Client()
        client.force_login(lead)
        body = {"recipients": "chosen", "contact_ids": ",".join(map(str, ids))}

        def page() -> int:
            response = client.post(f"/actions/{action.pk}/launch/", body)
            assert response.status_code == 200, response.status_code
            return len(response.content)

        page_seconds, page_cpu, size = timed(args.repeat, page)
        print(
            f"  {len(ids):,} recipients: {page_seconds:.3f} s, {page_cpu:.3f} s of CPU "
            f"(medians of {args.repeat}); "
            f"page {int(size) / 1024:.0f} KiB"  # type: ignore[call-overload]
        )
        assert not Meeting.objects.exists(), "a preview saved meetings"

        rule("result")
        load = Path("/proc/loadavg").read_text().split()[0]
        print(
            f"  preview page for {len(ids):,} recipients: {page_seconds:.2f} s "
            f"({page_cpu:.2f} s of CPU; load average {load} on {os.cpu_count()} CPUs); "
            f"target ≤ {TARGET_SECONDS:g} s: {verdict(page_seconds <= TARGET_SECONDS)}"
        )


if __name__ == "__main__":
    main()
