"""Saving events as a person does in the event dialog, and reading what they see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from convener.calendar import links
from convener.calendar.models import Event
from convener.connections.models import Connection
from convener.meetings.models import Meeting
from convener.team.models import User
from tests.dates import at, winter_day

DAY = winter_day()


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Kick-off",
        "start": at(DAY, 10),
        "end": at(DAY, 11),
        "timezone": "Europe/Berlin",
        "location_type": "google_meet",
        "location_detail": "",
        "manual_link": "",
        "contacts": "bob@example.org",
        "guests": "",
        "description": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def save(client: Any, capture: Any, event: Event | None = None, **changes: Any) -> Event:
    """Press Save in the event dialog (htmx); the saved event."""
    url = f"/calendar/events/{event.pk}/edit/" if event else "/calendar/events/new/"
    with capture(execute=True):
        answer = client.post(url, form(**changes), headers={"HX-Request": "true"})
    assert answer.status_code == 204, answer.content.decode()[:3000]
    pk = int(answer["HX-Redirect"].rstrip("/").rsplit("/", 1)[-1])
    return Event.objects.get(pk=pk)


def meeting(event: Event) -> Meeting:
    found = links.meeting_of(event)
    assert found is not None, event.link_problem
    return found


def later(hours: int) -> str:
    return at(DAY + timedelta(days=0), 10 + hours)


def connect(client: Any, user: User, provider: str) -> None:
    from tests.connections.support import connect_through_oauth
    from tests.scheduling.support import OWNER, connect_google, connect_zoom, fast

    if provider == "zoom":
        connect_zoom(client, user)
    elif provider == "google_meet":
        connect_google(client, user)
    elif provider == "microsoft_teams":
        client.force_login(user)
        assert connect_through_oauth(client, provider, OWNER).status_code == 302
        fast(Connection.objects.get(provider=provider, user=user))
