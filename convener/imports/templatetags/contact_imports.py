"""Template filters of the import pages: numbers as people read them, and how long an
import took."""

from __future__ import annotations

from django import template

from convener.imports.models import ContactImport

register = template.Library()


@register.filter
def thousands(value: int | None) -> str:
    """12345 -> "12,345" (Django's intcomma lives in an app Convener does not install)."""
    return f"{value or 0:,}"


@register.filter
def elapsed(job: ContactImport) -> str:
    """How long the import ran, "45 seconds" or "3 minutes 20 seconds"."""
    if job.started_at is None or job.finished_at is None:
        return ""
    seconds = max(0, round((job.finished_at - job.started_at).total_seconds()))
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{minutes} minute{'s' * (minutes != 1)}"] if minutes else []
    if seconds or not minutes:
        parts.append(f"{seconds} second{'s' * (seconds != 1)}")
    return " ".join(parts)


STATUS_TONES = {
    ContactImport.Status.UPLOADED: "neutral",
    ContactImport.Status.QUEUED: "warn",
    ContactImport.Status.RUNNING: "busy",
    ContactImport.Status.DONE: "good",
    ContactImport.Status.FAILED: "bad",
}


@register.filter
def status_tone(job: ContactImport) -> str:
    return STATUS_TONES.get(ContactImport.Status(job.status), "neutral")
