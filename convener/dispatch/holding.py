"""How many meetings one worker may hold at once: claimed, and not yet finished.

Claiming is cheap and a lease runs from the claim (renewed when the step begins), so a
worker could claim far more than it gets through: on a machine short of CPU, or shared
by several workers, its steps would then wait so long that their leases ran out and
other workers took the same meetings over, each redoing (and reconciling) the other's
calls. A worker therefore holds no more than it finishes in a quarter of a lease, by its
own recent pace, and never fewer than a couple of batches, so that it always has work.
"""

from __future__ import annotations

import threading
import time
from collections import deque

# Of a lease, the part a worker's held meetings may take to get through at its pace.
LEASE_SHARE = 0.25
# How far back a worker's pace is measured.
WINDOW_SECONDS = 10.0


class Holding:
    """The limit on meetings held by one worker, from how fast it finishes them."""

    def __init__(self, *, floor: int, ceiling: int, lease_seconds: float) -> None:
        self.floor = min(floor, ceiling)
        self.ceiling = ceiling
        self.lease_seconds = lease_seconds
        self.began = time.monotonic()
        self.lock = threading.Lock()
        # (second, steps finished in it), oldest first.
        self.seconds: deque[tuple[int, int]] = deque()

    def finished(self, count: int, *, now: float | None = None) -> None:
        second = int(time.monotonic() if now is None else now)
        with self.lock:
            if self.seconds and self.seconds[-1][0] == second:
                self.seconds[-1] = (second, self.seconds[-1][1] + count)
            else:
                self.seconds.append((second, count))
            while self.seconds and self.seconds[0][0] <= second - WINDOW_SECONDS:
                self.seconds.popleft()

    def pace(self, *, now: float | None = None) -> float:
        """Steps finished per second lately (0 before the first)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            # A second counts when any of it lies in the window.
            recent = sum(
                count for second, count in self.seconds if second + 1 > now - WINDOW_SECONDS
            )
        # A worker that started a moment ago is measured over what it has lived.
        return recent / max(1.0, min(WINDOW_SECONDS, now - self.began))

    def limit(self, *, now: float | None = None) -> int:
        by_pace = int(self.pace(now=now) * self.lease_seconds * LEASE_SHARE)
        return max(self.floor, min(self.ceiling, by_pace))
