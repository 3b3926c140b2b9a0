"""Giving a meeting back after a step: the lease ends and the next due time is set."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from convener.meetings.models import Meeting


def release(meeting: Meeting, *, due_in: float | None = None) -> None:
    """Release the lease and save the row; `due_in` seconds until its next step (None:
    nothing is due until something changes it)."""
    meeting.lease_until = None
    meeting.next_attempt_at = (
        timezone.now() + timedelta(seconds=due_in) if due_in is not None else None
    )
    meeting.save()
