"""People for the behavioural access tests: a colleague of the `member` fixture, and
permissions given or taken by name."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.utils import timezone

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Attendee, Delivery, Meeting
from convener.meetings.state import lane_for
from convener.team.members import permissions
from convener.team.models import ApiToken, User


def colleague(username: str = "mike", *perms: str) -> User:
    """Another member, with the defaults and `perms` besides."""
    user = User.objects.create_user(username, f"{username}@example.com", "x")
    grant(user, *perms)
    return user


def grant(user: User, *perms: str) -> None:
    user.user_permissions.add(*permissions(list(perms)))


def without(user: User, *perms: str) -> None:
    """The defaults but `perms`: the member leaves the Members group and keeps the rest."""
    held = {p for p in user.get_all_permissions() if p.startswith(("team.", "connections."))}
    user.groups.clear()
    user.user_permissions.set(permissions(sorted(held - set(perms))))


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {ApiToken.issue(user, 'tests')[1]}"}


def api(client: Any, method: str, path: str, user: User, body: Any = None) -> Any:
    return client.generic(
        method.upper(),
        path,
        "" if body is None else json.dumps(body),
        content_type="application/json",
        headers=bearer(user),
    )


def zoom_meeting_on_own_account(
    host: User, contact: Contact, account_email: str, title: str, **state: Any
) -> Meeting:
    """A meeting `host` holds on their own Zoom account (made as rows only, nothing at
    Zoom) with its invitation to the contact in the outbox."""
    connection = Connection.objects.create(
        provider="zoom", level=Connection.Level.USER, user=host, account_email=account_email
    )
    start = timezone.now() + timedelta(days=10)
    meeting = Meeting.objects.create(
        contact=contact,
        host=host,
        provider="zoom",
        connection=connection,
        title=title,
        start=start,
        end=start + timedelta(minutes=30),
        timezone="Europe/Berlin",
        lane=lane_for("zoom", connection.pk),
        **state,
    )
    Attendee.objects.create(meeting=meeting, email=contact.email, kind=Attendee.Kind.CONTACT)
    Delivery.objects.create(
        meeting=meeting,
        recipient=contact.email,
        sequence=0,
        subject=f"Invitation: {title}",
        text_body="Join us.",
        html_body="<p>Join us.</p>",
        ics="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        status=Delivery.Status.HELD,
    )
    return meeting
