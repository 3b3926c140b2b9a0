"""When to try a failed provider call again."""

from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings

CAP_SECONDS = 3600.0


def max_attempts() -> int:
    return int(settings.RETRY_MAX_ATTEMPTS)


def retry_delay(attempt: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with jitter (half to full), never sooner than the provider's
    Retry-After."""
    base = float(settings.RETRY_BASE_SECONDS)
    ceiling = min(CAP_SECONDS, base * (2 ** max(0, attempt - 1)))
    delay = random.uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return timedelta(seconds=delay)
