"""A 100,000-member segment entering a campaign whose first step schedules meetings, on
the embedded default.

Run from the repository root:

    .venv/bin/python bench/bench_campaign_entry.py [--contacts 100000] [--owners 100]

It builds a fresh installation (SQLite in a fresh data directory, or a fresh database on
the server DATABASE_URL names) with `--owners` team members, `--contacts` contacts shared
between them, a static segment holding them all, a Jitsi meeting action with smart
scheduling per owner (contact owner's account, 30 minutes back to back, 08:00-20:00 on
weekdays: 1,000 contacts per owner fill about 42 working days), and an unpublished
campaign fed by the segment whose first step is that action. Then it starts `convener
serve --web-workers 1` (gunicorn and the worker), signs in as the campaign's owner,
publishes it on its settings page, and waits until every contact's step has run (done,
with its meeting planned: saved, with its time; or failed, with the reason). It prints
that time, contacts per second, the steps done and failed and the meetings (none
doubled), and the peak RSS of the gunicorn worker and of the `convener worker` process,
with the machine's load average.

Targets: every contact at the step and planned in under 2 minutes; each process under
300 MB. The links then follow the providers' pace (bench_fanout.py measures that).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2

from bench.common import (
    Children,
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
    wait_for,
    wait_for_http,
)

TIME_TARGET = 120.0
MEMORY_TARGET_MB = 300
PASSWORD = secrets.token_urlsafe(16)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--owners", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    return parser.parse_args()


def prepare(contacts: int, owners: int) -> int:
    """The team, the contacts, the segment, the action and the (unpublished) campaign."""
    from convener.campaigns.models import Campaign, Event, EventType, Source
    from convener.crm.models import Contact
    from convener.meetings.models import MeetingAction
    from convener.segments.models import Segment, SegmentMember
    from convener.team.models import User

    team = bulk_users(owners, prefix="sales")
    bulk_contacts(team, contacts // owners)
    author = User.objects.create_user("marketer", "marketer@example.com", PASSWORD)
    segment = Segment.objects.create(name="Everyone", kind=Segment.Kind.STATIC, owner=author)
    ids = list(Contact.objects.values_list("pk", flat=True))
    for start in range(0, len(ids), 5000):
        SegmentMember.objects.bulk_create(
            [SegmentMember(segment=segment, contact_id=pk) for pk in ids[start : start + 5000]]
        )
    action = MeetingAction.objects.create(
        name="Intro calls",
        provider="jitsi",
        credentials="contact_owner",
        duration_minutes=30,
        timezone="Europe/Berlin",
        timing={
            "mode": "smart",
            "start": "2030-01-07T09:00",
            "gap_minutes": 0,
            "window": {"from": "08:00", "to": "20:00"},
            "days": "weekdays",
            "per_host": True,
        },
    )
    campaign = Campaign.objects.create(
        name="Welcome journey", owner=author, published=False, timezone="Europe/Berlin"
    )
    Source.objects.create(campaign=campaign, kind=Source.Kind.SEGMENT, segment=segment)
    Event.objects.create(campaign=campaign, type=EventType.MEETING, action=action)
    return campaign.pk


def processes(serve_pid: int) -> tuple[int, int]:
    """The gunicorn worker and the `convener worker` process under `convener serve`."""
    found = {pid: command_line(pid) for pid in descendants(serve_pid)}
    workers = [pid for pid, line in found.items() if line.endswith("convener worker")]
    masters = set(Path(f"/proc/{serve_pid}/task/{serve_pid}/children").read_text().split())
    web = [pid for pid, line in found.items() if "gunicorn" in line and str(pid) not in masters]
    if len(workers) != 1 or len(web) != 1:
        raise RuntimeError(f"expected one web worker and one task worker: {found}")
    return web[0], workers[0]


def log_in(client: httpx2.Client) -> None:
    client.get("/login/").raise_for_status()
    answer = client.post(
        "/login/",
        data={
            "username": "marketer",
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login failed: {answer.status_code}")


def main() -> int:
    args = parse_args()
    with sandbox("campaign-entry", keep=args.keep) as box:
        setup_django(box)
        from convener.campaigns.models import Step
        from convener.meetings.models import Meeting

        rule(f"campaign entry: {args.contacts:,} segment members, {args.owners} owners")
        print(f"database: {box.database}")
        pk = prepare(args.contacts, args.owners)
        port = free_port()
        with Children(box) as children:
            serve = children.start(
                "serve", [*convener_command(), "serve", "--port", str(port), "--web-workers", "1"]
            )
            base = f"http://127.0.0.1:{port}"
            wait_for_http(f"{base}/login/", child=serve)
            web, worker = processes(serve.pid)
            with httpx2.Client(base_url=base, timeout=600.0) as client:
                log_in(client)
                client.get(f"/campaigns/{pk}/settings/").raise_for_status()
                started = time.perf_counter()
                answer = client.post(
                    f"/campaigns/{pk}/settings/",
                    data={
                        "name": "Welcome journey",
                        "timezone": "Europe/Berlin",
                        "published": "on",
                        "csrfmiddlewaretoken": client.cookies["csrftoken"],
                    },
                )
                if answer.status_code != 302:
                    raise RuntimeError(f"not published: {answer.status_code} {answer.text[-800:]}")
                entered_at: list[float] = []

                def planned() -> bool:
                    if not serve.alive():
                        raise RuntimeError(f"convener serve stopped:\n{serve.tail()}")
                    if not entered_at and Step.objects.count() >= args.contacts:
                        entered_at.append(time.perf_counter() - started)
                    # Every step has run: done with its meeting, or failed with the reason.
                    return bool(entered_at) and not Step.objects.filter(state="pending").exists()

                wait_for(planned, timeout=3600, what="every contact planned", every=1.0)
                seconds = time.perf_counter() - started
                web_peak = proc_status(web)["VmHWM"] / 1024
                worker_peak = proc_status(worker)["VmHWM"] / 1024
                client.get(f"/campaigns/{pk}/").raise_for_status()
                web_peak = max(web_peak, proc_status(web)["VmHWM"] / 1024)
        load = os.getloadavg()
        meetings = Meeting.objects.count()
        done = Step.objects.filter(state="done").count()
        failed = Step.objects.filter(state="failed").count()
        doubled = meetings - Meeting.objects.values("contact_id").distinct().count()
        rule("results")
        print(
            f"all {args.contacts:,} contacts entered {entered_at[0] if entered_at else 0:.1f}s "
            f"after publishing; at the step and planned after {seconds:.1f}s "
            f"({args.contacts / seconds:,.0f} contacts/s)  "
            f"[target {TIME_TARGET:.0f}s: {verdict(seconds <= TIME_TARGET)}]"
        )
        print(
            f"steps done: {done:,}, failed: {failed:,}; meetings: {meetings:,}, doubled: {doubled}"
        )
        print(
            f"peak RSS: gunicorn worker {web_peak:.0f} MB, convener worker {worker_peak:.0f} MB"
            f"  [target {MEMORY_TARGET_MB} MB: "
            f"{verdict(max(web_peak, worker_peak) <= MEMORY_TARGET_MB)}]"
        )
        print(f"load average (1, 5, 15 min): {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
