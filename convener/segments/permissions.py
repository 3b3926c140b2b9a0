"""Who may see and change segments, in the manner of convener.team.access.

A segment is a saved way of finding contacts, and describes no one by itself: every
signed-in member sees every segment, and may make their own. Changing a segment (its
name, rules, time zone, members) or deleting it needs it to be one's own, or being an
administrator; a segment whose owner was removed is nobody's, and only administrators
change it. What a segment *shows* is narrowed separately: its members are only the
contacts the person may see (membership.members), and scheduling for it reaches only
those they may edit (the seam skips the others, with the reason). docs/permissions.md
says the same for the people who grant it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from convener.segments.models import Segment
from convener.team import access
from convener.team.access import NotAllowed, NotVisible


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visible_segments(user: Any) -> QuerySet[Segment]:
    if not _signed_in(user):
        return Segment.objects.none()
    return Segment.objects.select_related("owner")


def may_add_segments(user: Any) -> bool:
    return _signed_in(user)


def refusal(user: Any, segment: Segment) -> str:
    """Why the person may not change `segment`, in words for them; "" when they may."""
    if access.is_admin(user):
        return ""
    if segment.owner_id is not None and segment.owner_id == getattr(user, "pk", None):
        return ""
    if segment.owner_id is None:
        return "This segment is nobody's: only administrators change it."
    return "Only its owner and administrators change a segment."


def may_change(user: Any, segment: Segment) -> bool:
    return _signed_in(user) and not refusal(user, segment)


def find_segment(user: Any, pk: Any, *, edit: bool = False) -> Segment:
    """The segment `pk` if the person may see it (and change it, with `edit`); else
    NotVisible (404) or NotAllowed (403), as convener.team.access.find answers."""
    try:
        segment = visible_segments(user).filter(pk=pk).first()
    except (ValueError, TypeError):
        segment = None
    if segment is None:
        raise NotVisible("not found")
    if edit and (reason := refusal(user, segment)):
        raise NotAllowed(reason)
    return segment
