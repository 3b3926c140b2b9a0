"""When to try a failed provider call again."""

from __future__ import annotations

import random
from datetime import timedelta

BASE_SECONDS = 15.0
CAP_SECONDS = 3600.0
MAX_ATTEMPTS = 8


def retry_delay(attempt: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with full jitter, never sooner than the provider's Retry-After."""
    ceiling = min(CAP_SECONDS, BASE_SECONDS * (2 ** max(0, attempt - 1)))
    delay = random.uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return timedelta(seconds=delay)
