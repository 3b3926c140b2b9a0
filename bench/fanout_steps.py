"""Where a fan-out worker's CPU goes, by pipeline step, from py-spy's raw stacks.

Each sample is put under the first step its stack shows (invitation before write, since
the invitations are written inside the outcome's step): claim, begin (load, checks,
attempt, pacing slot), provider call (on the event loop), state write, invitation, the
task runners, and the rest. `bench_fanout.py --profile DIR --profile-mode cpu` writes
the stacks; this turns them into milliseconds per meeting.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

# (step, frames that mark it), checked in this order.
STEPS = (
    (
        "invitation",
        (
            "invite (convener/dispatch/announce.py",  # one by one (the outbox)
            "claim_round (convener/invitations/delivery.py",  # written with the links
            "Dispatcher._send_invitations (convener/dispatch/",  # sent over SMTP
        ),
    ),
    ("provider call", ("Flight._run (convener/dispatch/flight.py",)),
    ("claim", ("Dispatcher._loop (convener/dispatch/dispatcher.py",)),
    ("state write", ("Dispatcher._finish (convener/dispatch/dispatcher.py",)),
    ("begin (load, checks, attempt, pacing slot)", ("Dispatcher._begin (convener/dispatch/",)),
    ("task runners (nudges)", ("Command._run.<locals>.run (convener/dispatch/management",)),
)


def by_step(stacks: Path) -> Counter[str]:
    shares: Counter[str] = Counter()
    for path in stacks.glob("*.txt"):
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            step = next(
                (name for name, frames in STEPS if any(frame in stack for frame in frames)),
                "other",
            )
            shares[step] += int(count)
    return shares


def report(stacks: Path, cpu_ms_per_meeting: float) -> None:
    """Print each step's share of the samples and its milliseconds per meeting."""
    shares = by_step(stacks)
    total = sum(shares.values()) or 1
    print("  worker CPU per meeting by step (share of the CPU samples x CPU per meeting):")
    for name, _ in (*STEPS, ("other", ())):
        share = shares[name] / total
        print(f"    {name:45s} {share:6.1%}  {share * cpu_ms_per_meeting:5.2f} ms")
