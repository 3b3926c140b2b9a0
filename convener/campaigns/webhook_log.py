"""The log of the "send a webhook" action: what each answer (or its absence) means for
the step, and how the log shows an address to someone who may not change the campaign."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.utils import timezone

from convener.campaigns.models import DeliveryOutcome, WebhookDelivery
from convener.dispatch import periodic

WHY_MAX = 300
# Tries removed per statement: a campaign over 100,000 contacts logs that many a day, and
# one delete of them all would hold the database's write lock for the while.
FORGET_BATCH = 5000


def judge(status: int | None, error: str = "") -> tuple[DeliveryOutcome, str]:
    """The outcome of one try and why, from the status code (None: no answer came)."""
    if status is None:
        return DeliveryOutcome.FAILED, f"The webhook could not be reached: {error}"[:WHY_MAX]
    if status >= 500 or status == 429:
        return DeliveryOutcome.FAILED, f"The webhook answered {status}"
    if status >= 400:
        return DeliveryOutcome.REFUSED, f"The webhook refused it ({status})"
    return DeliveryOutcome.DELIVERED, f"Webhook answered {status}"


def without_secret(text: str, secret: str) -> str:
    """`text` with the signing secret blotted out, should an error message quote it."""
    return text.replace(secret, "[secret]") if secret else text


def shown_url(url: str, *, whole: bool) -> str:
    """The address as the log shows it. A receiver's path or query often is its own
    secret (a catch hook's token), so only those who may change the campaign, who see it
    in the step's form anyway, see more than the host; a password in it, nobody."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}" if whole else host
    if not whole:
        return urlunsplit((parts.scheme, host, "/…" if parts.path.strip("/") else "", "", ""))
    return urlunsplit((parts.scheme, host, parts.path, parts.query, ""))


def kept_days() -> int:
    return int(settings.CAMPAIGN_WEBHOOK_LOG_DAYS)


def forget_old(now: datetime | None = None) -> int:
    """Remove the tries older than the log keeps them; returns how many went. The steps'
    own results (delivered, failed and why) stay with the contacts' journeys."""
    before = (now or timezone.now()) - timedelta(days=kept_days())
    gone = 0
    while True:
        old = WebhookDelivery.objects.filter(sent_at__lt=before).order_by()
        ids = list(old.values_list("pk", flat=True)[:FORGET_BATCH])
        if not ids:
            return gone
        WebhookDelivery.objects.filter(pk__in=ids).delete()
        gone += len(ids)


loop = periodic.repeating(forget_old, 3600.0, "campaign webhook log")


def register() -> None:
    periodic.register("campaign webhook log", loop)
