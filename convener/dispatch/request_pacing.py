"""Pacing every API request of a provider step, not only its first.

The step takes one pacing slot just before its call. Some operations make more than one
request: a retried Zoom create first lists the host's meetings to find one an unanswered
create made, then creates. Sent straight after the list, the create is the second call
in the same instant, and an account paced at 1 call/s (below Zoom's lowest plan) refuses
it every time, so the retry (a list and a create again) never gets through. Each request
after the first takes a slot of its own.

And no request leaves when its answer could come after the step's lease runs out. The
worker holds a step's call in flight until its pacing slot, on a machine that may be
busy; by the time it leaves, the lease may be nearly gone, and another worker may run
the step again: a create answered after that is a duplicate meeting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx2
from django.utils import timezone

from convener.dispatch import pacing
from convener.providers import bridge
from convener.providers.base import RateLimited

# Beyond the provider's timeout: what the answer may take to be written back.
LEASE_MARGIN_SECONDS = 1.0


class StepPacer:
    """The `before_request` hook of one step's provider (connections.clients)."""

    def __init__(
        self,
        lane: str,
        rate: float | None,
        *,
        lease_until: datetime | None,
        timeout: float,
        renew: Callable[[], datetime | None] | None = None,
    ) -> None:
        self.lane = lane
        self.rate = rate
        self.lease_until = lease_until
        self.timeout = timeout
        # Extends the lease if it is still the step's (its new end), else None.
        self.renew = renew
        self.sent = 0

    def __call__(self, request: httpx2.Request) -> None:
        self.sent += 1
        left = self._lease_left()
        if left is not None and left < self.timeout + LEASE_MARGIN_SECONDS and self.renew:
            # A call late for its lease (a busy machine) goes on under a longer one, if
            # nobody has taken the meeting meanwhile: refusing it would only send the
            # meeting round again, and on a busy machine round and round.
            renewed = bridge.blocking(self.renew)
            if renewed is not None:
                self.lease_until = renewed
                left = self._lease_left()
        if left is not None and left < self.timeout + LEASE_MARGIN_SECONDS:
            # Nothing is sent: the meeting is given back, without charging it, and runs
            # again in turn under a fresh lease (a retried create looks for what any
            # earlier try made before making one).
            raise RateLimited(
                "the step's turn ran out before its request could leave; continuing in turn",
                retry_after=0.05,
                code="lease",
            )
        if self.sent == 1:
            return  # the slot the step reserved just before its call
        # Never wait past what the step's lease leaves for the request itself.
        budget = min(
            pacing.MAX_SLEEP_SECONDS,
            (left if left is not None else 0.0) - self.timeout - LEASE_MARGIN_SECONDS,
        )
        # On the worker's event loop, the reservation (a database write) runs on a thread
        # and the wait is the loop's: other calls go on meanwhile.
        wait = bridge.blocking(
            lambda: pacing.reserve(self.lane, self.rate, max_sleep=max(0.0, budget))
        )
        if wait is None:
            # Booked further ahead than a worker sleeps: give the meeting back, without
            # charging it, as a 429 would (nothing more was sent).
            raise RateLimited(
                "the account's pace is taken by other meetings for now; continuing in turn",
                retry_after=max(0.05, pacing.known_wait(self.lane)),
                code="paced",
            )
        bridge.pause(wait)

    def _lease_left(self) -> float | None:
        """Seconds left on the step's lease; None for a step run without one."""
        if self.lease_until is None:
            return None
        return (self.lease_until - timezone.now()).total_seconds()
