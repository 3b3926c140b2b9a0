"""Smart-scheduling benchmark: 1,000,000 recipients over 1,000 hosts with 50 busy intervals each.

Run: ``.venv/bin/python bench/bench_timeplan.py`` (add ``--document`` to also time building the
output document and its JSON text, which is serialisation, not planning).

For 1,000,000 and 100,000 recipients it prints the seconds taken by

* ``plan_smart_schedule``: the planner itself (recipients' hosts in, a start per recipient out),
  best of ``--runs`` runs, alternating the two sizes so that load from other processes on a
  shared machine does not skew the growth ratio;
* ``plan()``: the typed API around it (``PlanSpec`` in, ``PlannedMeeting``/skip objects out);

then the peak memory the planner allocated (tracemalloc, a separate run since tracing slows
every allocation), the input's own size for comparison, the process's peak RSS, and the
growth ratio between the two sizes. The target (issue 3) is at most 2 s for a million, with
10x the recipients costing at most 11x the time. Input is built from a fixed seed.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from convener.timeplan import (
    PlanSpec,
    Recipient,
    SmartRules,
    Timing,
    Window,
    plan,
    plan_smart_schedule,
    plan_to_document,
    resolve_local,
)
from convener.timeplan.smart import Interval

ZONE = ZoneInfo("Europe/Berlin")
SEED = 20261201
HOSTS = 1_000
BUSY_PER_HOST = 50
START = resolve_local(datetime(2026, 12, 1, 9, 0), ZONE).ts  # a Tuesday; DST starts in March
DAY = 86_400


def build_input(recipients: int) -> tuple[list[str], dict[str, list[Interval]]]:
    """Each recipient's host (drawn at random), and each host's busy intervals.

    Busy intervals fall in the first 130 days, when a host's ~1,000 meetings are laid out, so
    the planner really has to step around them.
    """
    rng = random.Random(SEED)
    names = [f"user-{number:04d}" for number in range(HOSTS)]
    hosts = [names[rng.randrange(HOSTS)] for _ in range(recipients)]
    busy: dict[str, list[Interval]] = {}
    for name in names:
        intervals: list[Interval] = []
        for _ in range(BUSY_PER_HOST):
            start = START + rng.randrange(130) * DAY + rng.randrange(0, 9 * 3600, 300)
            intervals.append((start, start + rng.choice((1800, 3600, 5400, 7200))))
        busy[name] = intervals
    return hosts, busy


RULES = SmartRules(
    zone=ZONE,
    first_candidate=START,
    duration_s=30 * 60,
    gap_s=10 * 60,
    window_from_s=9 * 3600,
    window_to_s=17 * 3600,
    weekdays=frozenset(range(5)),
)


def best_of(runs: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        began = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - began)
    return best


def traced_peak(action: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    action()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def typed_spec(hosts: list[str], busy: dict[str, list[Interval]]) -> PlanSpec:
    return PlanSpec(
        now=START - DAY,
        duration_s=RULES.duration_s,
        timing=Timing(
            mode="smart",
            timezone="Europe/Berlin",
            gap_s=RULES.gap_s,
            window=Window(RULES.window_from_s, RULES.window_to_s),
            weekdays=RULES.weekdays,
        ),
        recipients=[Recipient(f"contact-{index}", host) for index, host in enumerate(hosts)],
        busy=busy,
    )


def report(recipients: int, core: float, *, document: bool) -> None:
    hosts, busy = build_input(recipients)
    spec = typed_spec(hosts, busy)
    starts = plan_smart_schedule(hosts, RULES, busy)
    planned = sum(start is not None for start in starts)
    typed = best_of(3, lambda: plan(spec))
    peak = traced_peak(lambda: plan_smart_schedule(hosts, RULES, busy))
    input_size = traced_peak(lambda: build_input(recipients))
    mib = 1024 * 1024
    print(
        f"recipients={recipients:,} hosts={HOSTS:,} busy_per_host={BUSY_PER_HOST} "
        f"planned={planned:,} skipped={recipients - planned:,}"
    )
    print(
        f"  plan_smart_schedule: {core:.3f} s ({core / recipients * 1e6:.2f} us per recipient)"
        f"   peak allocated {peak / mib:.1f} MiB (input hosts and busy: "
        f"{input_size / mib:.1f} MiB)"
    )
    print(f"  plan() typed result: {typed:.3f} s")
    if document:
        result = plan(spec)
        began = time.perf_counter()
        output = plan_to_document(result)
        built = time.perf_counter() - began
        began = time.perf_counter()
        text = json.dumps(output)
        dumped = time.perf_counter() - began
        print(
            f"  plan_to_document: {built:.3f} s   json.dumps: {dumped:.3f} s "
            f"({len(text) / mib:.0f} MiB of JSON)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--document", action="store_true", help="also time the output document and its JSON text"
    )
    parser.add_argument("--runs", type=int, default=5, help="timed runs per size (best counts)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, one process, one thread")
    sizes = (1_000_000, 100_000)
    inputs = {size: build_input(size) for size in sizes}
    best = dict.fromkeys(sizes, float("inf"))
    # Alternate the sizes so that a burst of load on a shared machine hits both alike.
    for _ in range(args.runs):
        for size in sizes:
            hosts, busy = inputs[size]
            began = time.perf_counter()
            plan_smart_schedule(hosts, RULES, busy)
            best[size] = min(best[size], time.perf_counter() - began)
    del inputs
    for size in sizes:
        report(size, best[size], document=args.document)
    large, small = best[sizes[0]], best[sizes[1]]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"growth: 10x recipients took {large / small:.1f}x the time (target <= 11x)")
    print(f"process peak RSS: {rss:.0f} MiB")
    print(f"target <= 2 s for 1,000,000: {'met' if large <= 2.0 else 'NOT met'} ({large:.3f} s)")


if __name__ == "__main__":
    main()
