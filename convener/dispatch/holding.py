"""How many meetings one worker may hold at once: claimed, and not yet finished.

Claiming is cheap, so a worker could claim far more than it gets through. On a machine
short of CPU, or shared by several workers, its meetings would then wait in it until
their leases ran out, and other workers would take them over and redo their calls. So
the worker watches how long its meetings wait in it (from claim to finish, less the time
the provider took to answer), and adjusts what it holds the way a TCP sender adjusts its
window: more while they wait well under half a lease, less as soon as one waits longer.
A slow provider (seconds per call) is no reason to hold less: the lease covers the call
(a late call extends it), and its meetings wait on the network, not in the worker; a
starved worker is.
"""

from __future__ import annotations

import threading
import time

# Of a lease, how long a held meeting may take from its claim to its finish.
LEASE_SHARE = 0.5
# How often the limit is adjusted, from the slowest meeting finished in the meantime.
PERIOD_SECONDS = 1.0
GROWTH = 1.5
BACK_OFF = 0.7


class Holding:
    """The limit on meetings held by one worker, from how long they take to finish."""

    def __init__(
        self, *, floor: int, ceiling: int, lease_seconds: float, now: float | None = None
    ) -> None:
        self.floor = min(floor, ceiling)
        self.ceiling = ceiling
        self.target = lease_seconds * LEASE_SHARE
        self.current = self.floor
        self.lock = threading.Lock()
        self.period_began = time.monotonic() if now is None else now
        self.slowest = 0.0  # seconds, claim to finish, in the current period

    def finished(self, count: int, *, since: float, now: float | None = None) -> None:
        """`count` meetings are finished that have waited in the worker since `since`
        (monotonic: their claim, moved on by the time their provider call took)."""
        if count <= 0:
            return
        now = time.monotonic() if now is None else now
        with self.lock:
            self.slowest = max(self.slowest, now - since)
            if now - self.period_began >= PERIOD_SECONDS:
                self._adjust()
                self.period_began, self.slowest = now, 0.0

    def _adjust(self) -> None:
        if self.slowest > self.target:
            self.current = max(self.floor, int(self.current * BACK_OFF))
        elif self.slowest < self.target / 2:
            self.current = min(self.ceiling, int(self.current * GROWTH))
        else:  # close to the bound: creep
            self.current = min(self.ceiling, self.current + max(1, self.floor // 4))

    def limit(self) -> int:
        return self.current
