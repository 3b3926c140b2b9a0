"""Pacing every API request of a provider step, not only its first.

The step takes one pacing slot just before its call. Some operations make more than one
request: a retried Zoom create first lists the host's meetings to find one an unanswered
create made, then creates. Sent straight after the list, the create is the second call
in the same instant, and an account paced at 1 call/s (below Zoom's lowest plan) refuses
it every time, so the retry (a list and a create again) never gets through. Each request
after the first takes a slot of its own.
"""

from __future__ import annotations

import time
from datetime import datetime

import httpx2
from django.utils import timezone

from convener.dispatch import pacing
from convener.providers.base import RateLimited


class StepPacer:
    """The `before_request` hook of one step's provider (connections.clients)."""

    def __init__(
        self, lane: str, rate: float | None, *, lease_until: datetime | None, timeout: float
    ) -> None:
        self.lane = lane
        self.rate = rate
        self.lease_until = lease_until
        self.timeout = timeout
        self.sent = 0

    def __call__(self, request: httpx2.Request) -> None:
        self.sent += 1
        if self.sent == 1:
            return  # the slot the step reserved just before its call
        # Never wait past what the step's lease leaves for the request itself: a step still
        # running when its lease runs out could be run a second time by another worker.
        left = (self.lease_until - timezone.now()).total_seconds() if self.lease_until else 0.0
        budget = min(pacing.MAX_SLEEP_SECONDS, left - self.timeout - 1.0)
        wait = pacing.reserve(self.lane, self.rate, max_sleep=max(0.0, budget))
        if wait is None:
            # Booked further ahead than a worker sleeps: give the meeting back, without
            # charging it, as a 429 would (nothing more was sent).
            raise RateLimited(
                "the account's pace is taken by other meetings for now; continuing in turn",
                retry_after=max(0.05, pacing.known_wait(self.lane)),
                code="paced",
            )
        if wait > 0:
            time.sleep(wait)
