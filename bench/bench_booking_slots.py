"""Booking pages: how long the free times of a team page take to compute.

Run from the repository root:

    .venv/bin/python bench/bench_booking_slots.py [--hosts 10] [--days 60] [--runs 200]

It builds a fresh installation (SQLite in a fresh data directory, or a fresh database on
the server DATABASE_URL names) with a round-robin booking page for a team of `--hosts`
hosts: weekdays 09:00-17:00 in America/New_York, 30 minutes, 10-minute buffers, a 60-day
horizon and at most 6 bookings a day per host. Each host has a Google calendar whose busy
times (80 intervals over the horizon) are already in the cache, as they are after the
first visitor of a few minutes; 40 Convener meetings of their own; and the page holds 100
bookings. Then it times `convener.booking.availability.free_times` over the whole horizon
(the rules, the hosts' meetings and bookings from the database, the cached busy times, the
slots), `--runs` times; one week of it, which is what a visitor's page computes; and the
pure slot computation alone.

Figures: p50 and p99 of the wall time. Target: p99 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bulk_users, percentile, rule, sandbox, setup_django, verdict

TARGET_P99_MS = 150.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    parser.add_argument(
        "--profile", action="store_true", help="print where free_times spends its time"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with sandbox("booking-slots", keep=args.keep) as box:
        setup_django(box)
        from django.conf import settings
        from django.core.cache import cache

        from convener.booking import availability
        from convener.booking import busy as provider_calendar
        from convener.booking.models import Booking, BookingPage, PageKind
        from convener.booking.slots import team_free
        from convener.connections.models import Connection
        from convener.meetings.models import Meeting

        rule(f"setup: a round-robin page of {args.hosts} hosts, {args.days} days ({box.database})")
        settings.BOOKING_BUSY_CACHE_SECONDS = 3600
        hosts = bulk_users(args.hosts, prefix="host")
        now = datetime(2031, 3, 3, 12, tzinfo=UTC)  # fixed: the same work on every run
        page = BookingPage.objects.create(
            owner=hosts[0],
            kind=PageKind.ROUND_ROBIN,
            title="Team intro",
            timezone="America/New_York",
            durations=[30],
            buffer_before=10,
            buffer_after=10,
            minimum_notice=240,
            horizon_days=args.days,
            max_per_day=6,
        )
        page.hosts.set(hosts)
        pick = random.Random(7)
        low, high = availability._span(page, now)

        def some(count: int) -> list[tuple[datetime, datetime]]:
            found = []
            for _ in range(count):
                start = now + timedelta(minutes=15 * pick.randrange(4 * 24 * args.days))
                found.append((start, start + timedelta(minutes=pick.choice([30, 60, 90]))))
            return found

        meetings, bookings = [], []
        for host in hosts:
            connection = Connection.objects.create(
                provider="google_meet",
                level=Connection.Level.USER,
                user=host,
                account_email=host.email,
            )
            # What the provider answered the first visitor, kept by the cache.
            cache.set(
                provider_calendar._key(connection, low, high),
                [(a.timestamp(), b.timestamp()) for a, b in some(80)],
                3600,
            )
            for start, end in some(40):
                meetings.append(
                    Meeting(
                        host=host,
                        provider="jitsi",
                        title="Busy",
                        start=start,
                        end=end,
                        timezone="UTC",
                    )
                )
        Meeting.objects.bulk_create(meetings)
        for n, (start, _end) in enumerate(some(100)):
            bookings.append(
                Booking(
                    page=page,
                    request_key=f"bench-{n}",
                    host=hosts[n % len(hosts)],
                    start=start,
                    end=start + timedelta(minutes=30),
                    visitor_timezone="UTC",
                    name="Visitor",
                    email=f"v{n}@example.org",
                )
            )
        Booking.objects.bulk_create(bookings)

        def measure(work: object) -> list[float]:
            assert callable(work)
            work()  # warm: the zone files, the first query's plan
            spent = []
            for _ in range(args.runs):
                started = time.perf_counter()
                work()
                spent.append((time.perf_counter() - started) * 1000)
            return spent

        result = availability.free_times(page, 30, now=now)
        assert not result.unavailable, result.unavailable
        rule("free_times: database, cached busy times and slots")
        whole = measure(lambda: availability.free_times(page, 30, now=now))
        print(
            f"  {len(result.starts):,} free starts over {args.days} days for {args.hosts} hosts; "
            f"p50 {percentile(whole, 0.5):.1f} ms, p99 {percentile(whole, 0.99):.1f} ms "
            f"({args.runs} runs)"
        )

        rule("one week, as the visitor's page computes it (convener.booking.views.week)")
        week = (now + timedelta(days=14), now + timedelta(days=21))
        weekly = measure(lambda: availability.page_times(page, 30, now=now).free(week))
        print(f"  p50 {percentile(weekly, 0.5):.1f} ms, p99 {percentile(weekly, 0.99):.1f} ms")

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(
                lambda: [availability.free_times(page, 30, now=now) for _ in range(20)]
            )
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)

        rule("the slot computation alone (convener.booking.slots.team_free)")
        times = availability.host_times(page, availability.page_hosts(page), now)
        rules = availability.rules_of(page)
        pure = measure(lambda: team_free(rules, timedelta(minutes=30), now, times, everyone=False))
        print(f"  p50 {percentile(pure, 0.5):.1f} ms, p99 {percentile(pure, 0.99):.1f} ms")

        rule("result")
        load = Path("/proc/loadavg").read_text().split()[0]
        p99 = percentile(whole, 0.99)
        print(
            f"  free times of a {args.days}-day horizon for {args.hosts} hosts, busy times "
            f"cached: p50 {percentile(whole, 0.5):.1f} ms, p99 {p99:.1f} ms (load average "
            f"{load} on {os.cpu_count()} CPUs); target p99 ≤ {TARGET_P99_MS:g} ms: "
            f"{verdict(p99 <= TARGET_P99_MS)}"
        )


if __name__ == "__main__":
    main()
