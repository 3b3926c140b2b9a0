"""Who may see and change calendar events.

The calendar is the team's: every signed-in member sees every event, as on a shared
workspace calendar. An event is changed (edited, deleted, its link set by hand) by the
member who made it, by a team member on it, or by an administrator; others get 403.
Its meeting is then changed for the event: the account that hosts it was chosen, with
the permission to use it checked, when the link was made (convener.calendar.links).
"""

from __future__ import annotations

from typing import Any

from convener.calendar.models import Event
from convener.team import access

REFUSED = "Only the member who made an event, the team members on it and administrators change it."


def may_change(user: Any, event: Event) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if access.is_admin(user) or event.created_by_id == user.pk:
        return True
    return event.members.filter(pk=user.pk).exists()


def require_change(user: Any, event: Event) -> None:
    if not may_change(user, event):
        raise access.NotAllowed(REFUSED)
