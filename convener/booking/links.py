"""The signed links a visitor gets to change their booking: they name the booking's
reference (never its row id) and cannot be made or altered without the site's key."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "convener.booking.manage"


def manage_token(reference: str) -> str:
    return signing.dumps(reference, salt=SALT, compress=False)


def read_manage_token(token: str) -> str | None:
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


def manage_url(reference: str) -> str:
    return settings.SITE_URL + reverse("booking_manage", kwargs={"slug": manage_token(reference)})
