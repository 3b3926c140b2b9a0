"""Free times around the host's busy times at Google (freeBusy) and Microsoft (Graph
getSchedule), both fakes over real HTTP on 127.0.0.1; and when the calendar cannot be
read, no time of that host is offered on a guess, and the host is told why."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from convener.booking.models import BookingPage
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.booking.support import intro_page, slots_shown
from tests.connections.support import connect_through_oauth
from tests.dates import utc, winter_day
from tests.outages.support import fake
from tests.scheduling.support import OWNER, connect_google, fast

pytestmark = pytest.mark.django_db


def shown(client: Client, page: BookingPage) -> list[Any]:
    client.logout()
    html = client.get(
        f"/b/{page.slug}/", {"tz": "America/New_York", "week": winter_day().isoformat()}
    ).content.decode()
    return slots_shown(html)


def test_google_busy_times_are_not_offered(
    client: Client, member: User, google: FakeServer
) -> None:
    connect_google(client, member)
    day = winter_day()
    fake(
        google,
        "accounts",
        {
            "email": OWNER,
            "busy": [{"start": utc(day, 15).isoformat(), "end": utc(day, 16).isoformat()}],
        },
    )
    page = intro_page(member, provider="google_meet")

    free = shown(client, page)

    assert utc(day, 14, 30) in free and utc(day, 16) in free
    assert utc(day, 15) not in free and utc(day, 15, 30) not in free


def test_microsoft_busy_times_are_not_offered(
    client: Client, member: User, microsoft: FakeServer
) -> None:
    client.force_login(member)
    assert connect_through_oauth(client, "microsoft_teams", OWNER).status_code == 302
    from convener.connections.models import Connection

    fast(Connection.objects.get(provider="microsoft_teams"))
    day = winter_day()
    fake(
        microsoft,
        "busy",
        {"email": OWNER, "start": utc(day, 17).isoformat(), "end": utc(day, 18).isoformat()},
    )
    page = intro_page(member, provider="microsoft_teams")

    free = shown(client, page)

    assert utc(day, 16, 30) in free and utc(day, 18) in free
    assert utc(day, 17) not in free and utc(day, 17, 30) not in free


def test_a_calendar_that_cannot_be_read_offers_nothing_and_the_host_is_told(
    client: Client, member: User, google: FakeServer
) -> None:
    connect_google(client, member)
    fake(
        google,
        "inject",
        {"reason": "backendError", "status": 503, "times": 50, "path": "/freeBusy"},
    )
    page = intro_page(member, provider="google_meet")

    client.logout()
    visitor = client.get(f"/b/{page.slug}/", {"tz": "Asia/Kolkata"}).content.decode()
    assert slots_shown(visitor) == []
    assert "cannot be read right now" in visitor

    client.force_login(member)
    settings_page = client.get(f"/booking-pages/{page.pk}/").content.decode()
    assert "calendar cannot be read right now" in settings_page
    assert "Google" in settings_page
