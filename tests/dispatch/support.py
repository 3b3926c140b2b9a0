"""Meetings waiting in a lane, as the dispatcher finds them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from convener.meetings.models import Meeting


def meeting_in(lane: str, *, due_seconds_ago: float | None = 1, leased: bool = False) -> int:
    """A Jitsi meeting in `lane`, due that long ago (negative: not yet; None: not due at
    all), held by a worker if `leased`; its id."""
    start = timezone.now() + timedelta(days=3)
    now = timezone.now()
    due = None if due_seconds_ago is None else now - timedelta(seconds=due_seconds_ago)
    return Meeting.objects.create(
        provider="jitsi",
        lane=lane,
        title="Call",
        start=start,
        end=start + timedelta(minutes=30),
        timezone="UTC",
        next_attempt_at=due,
        lease_until=now + timedelta(minutes=5) if leased else None,
    ).pk
