"""What a sender can read about one delivery: in the 202 answer, and at its status URL.

The status URL carries a token signed with the site's key for that delivery only: it is
unguessable, it needs no signature from the sender, and it shows nothing but the outcome
of the delivery it was given for (no values the sender did not send).
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse

from convener.hooks.models import HookDelivery

SALT = "convener.hooks.status"
MAX_AGE_SECONDS = 30 * 24 * 3600  # a sender checks within days; the log keeps 1000 rows


def status_token(delivery_id: int) -> str:
    return signing.dumps(delivery_id, salt=SALT)


def read_status_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def status_path(delivery_id: int) -> str:
    """The status URL's path; the endpoint makes it absolute with the address the sender
    called, as it reached this site."""
    return reverse("hook_delivery_status", kwargs={"slug": status_token(delivery_id)})


STATES = {
    HookDelivery.Outcome.PROCESSING: "processing",
    HookDelivery.Outcome.PLANNED: "planned",
    HookDelivery.Outcome.REPEATED: "planned",
    HookDelivery.Outcome.SKIPPED: "skipped",
}


def status_body(delivery: HookDelivery) -> dict[str, Any]:
    """The delivery's outcome as far as the worker has got: "processing" until it has
    run, then "planned" with the meeting, or "skipped" with the reason."""
    meeting = delivery.meeting if delivery.meeting_id else None
    state = STATES.get(delivery.outcome, delivery.outcome)  # type: ignore[call-overload]
    return {
        "delivery": delivery.pk,
        "event_id": delivery.event_id,
        "state": state,
        "contact": delivery.contact_id,
        "meeting": meeting.pk if meeting else None,
        "start": meeting.start.isoformat() if meeting else None,
        "timezone": meeting.timezone if meeting else None,
        "skipped": delivery.reason or None if state == "skipped" else None,
        "status_url": status_path(delivery.pk),
    }
