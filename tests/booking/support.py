"""A host's booking page as they would set it up, and a visitor's way through it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.test import Client

from convener.booking.models import BookingPage
from convener.team.models import User

NEW_YORK = "America/New_York"


def intro_page(owner: User, **settings: Any) -> BookingPage:
    """A 30-minute intro call, weekdays 09:00-17:00 New York time, bookable from now on."""
    values: dict[str, Any] = {
        "title": "Intro call",
        "timezone": NEW_YORK,
        "provider": "jitsi",
        "minimum_notice": 0,
        "horizon_days": 400,
        **settings,
    }
    return BookingPage.objects.create(owner=owner, **values)


def slots_shown(html: str) -> list[datetime]:
    """The free times a page shows, as the instants their buttons name."""
    return [datetime.fromisoformat(s) for s in re.findall(r'data-slot="([^"]+)"', html)]


def book_slot(
    client: Client,
    page: BookingPage,
    at: datetime,
    *,
    name: str = "Vera Visitor",
    email: str = "vera@client.example",
    zone: str = "Asia/Kolkata",
    key: str = "k" * 32,
    **answers: str,
) -> Any:
    return client.post(
        f"/b/{page.slug}/",
        {
            "at": at.isoformat(),
            "tz": zone,
            "d": "30",
            "name": name,
            "email": email,
            "key": key,
            **answers,
        },
    )
