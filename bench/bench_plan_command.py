"""`convener plan` end to end: a SPEC of 1,000,000 recipients over 1,000 hosts with 50 busy
intervals each, read from a file and planned, the plan written to a file.

Run: ``.venv/bin/python bench/bench_plan_command.py`` (``--recipients``, ``--runs``,
``--pretty`` to time the indented output instead of the compact one).

The SPEC is the one bench_timeplan.py plans (same seed, smart scheduling, Europe/Berlin,
30-minute meetings 10 minutes apart from 09:00 to 17:00 on weekdays), written as JSON.
Each run is a fresh `python -m convener plan` process; the figures are its wall time, its
CPU time and its peak RSS (from wait4), best of ``--runs``, with the machine's load
average before and after, since other work on a shared machine slows the wall time. The
target (issue 16) is under 4 s and under 600 MB for a million recipients.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_timeplan import DAY, START, build_input

TARGET_SECONDS = 4.0
TARGET_MB = 600


def _utc(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_spec(path: Path, recipients: int) -> None:
    hosts, busy = build_input(recipients)
    doc = {
        "now": _utc(START - DAY),
        "duration_minutes": 30,
        "timing": {
            "mode": "smart",
            "timezone": "Europe/Berlin",
            "gap_minutes": 10,
            "window": {"from": "09:00", "to": "17:00"},
            "days": "weekdays",
        },
        "recipients": [{"id": f"contact-{n}", "host": host} for n, host in enumerate(hosts)],
        "busy": {
            host: [{"start": _utc(start), "end": _utc(end)} for start, end in intervals]
            for host, intervals in busy.items()
        },
    }
    with path.open("w", encoding="utf-8") as out:
        json.dump(doc, out)


def run_once(spec: Path, output: Path, options: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS in MB of one `convener plan` process."""
    command = [sys.executable, "-m", "convener", "plan", *options, str(spec)]
    with output.open("wb") as out:
        began = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(
            f"convener plan failed: {child.stderr.read().decode() if child.stderr else ''}"
        )
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="runs (the best counts)")
    parser.add_argument("--pretty", action="store_true", help="time --pretty output instead")
    args = parser.parse_args()
    options = ["--pretty"] if args.pretty else []
    with tempfile.TemporaryDirectory(prefix="convener-bench-plan-") as folder:
        spec, output = Path(folder) / "spec.json", Path(folder) / "plan.json"
        write_spec(spec, args.recipients)
        mib = 1024 * 1024
        print(
            f"python {sys.version.split()[0]}; SPEC of {args.recipients:,} recipients, "
            f"{spec.stat().st_size / mib:.0f} MiB; output {' '.join(options) or 'compact'}"
        )
        load_before = os.getloadavg()[0]
        runs = [run_once(spec, output, options) for _ in range(args.runs)]
        load_after = os.getloadavg()[0]
        plan = json.loads(output.read_text("utf-8"))
        print(
            f"plan: {len(plan['meetings']):,} meetings, {len(plan['skipped']):,} skipped, "
            f"{output.stat().st_size / mib:.0f} MiB of JSON"
        )
    for number, (wall, cpu, rss) in enumerate(runs, 1):
        print(f"  run {number}: {wall:.2f} s wall, {cpu:.2f} s CPU, peak RSS {rss:.0f} MB")
    wall = min(run[0] for run in runs)
    rss = max(run[2] for run in runs)
    print(
        f"load average (1 min) {load_before:.1f} before, {load_after:.1f} after, "
        f"on {os.cpu_count()} CPUs"
    )
    print(
        f"target < {TARGET_SECONDS:.0f} s: {'met' if wall < TARGET_SECONDS else 'NOT met'} "
        f"(best {wall:.2f} s); target < {TARGET_MB} MB: "
        f"{'met' if rss < TARGET_MB else 'NOT met'} (peak {rss:.0f} MB)"
    )


if __name__ == "__main__":
    main()
