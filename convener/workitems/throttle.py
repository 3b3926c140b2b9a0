"""A bound on how often a public address (a calendar feed, the status webhook) answers
the same caller, so that a leaked or guessed address cannot be hammered.

A fixed window per address and client IP in Django's cache: in the cache of each process
unless a shared cache is configured, so with N web processes the bound is N times the
figure; it is a guard against floods, not an accounting."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 60
CALLS_PER_WINDOW = 120


def too_many(request: HttpRequest, surface: str) -> bool:
    """Count this call; True when the caller is over the bound for this window."""
    client = request.META.get("REMOTE_ADDR", "")
    key = f"workitems-throttle:{surface}:{client}"
    if cache.add(key, 1, WINDOW_SECONDS):
        return False
    try:
        calls = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS)
        return False
    return calls > CALLS_PER_WINDOW
