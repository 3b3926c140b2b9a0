"""Who sees and changes a booking page and its bookings: its owner and the
administrators; a team page's hosts see it too (their bookings are on it)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from convener.booking.models import BookingPage
from convener.team import access
from convener.team.access import NotAllowed, NotVisible


def visible_pages(user: Any) -> QuerySet[BookingPage]:
    if not getattr(user, "is_authenticated", False):
        return BookingPage.objects.none()
    pages = BookingPage.objects.select_related("owner")
    if access.is_admin(user):
        return pages
    return pages.filter(Q(owner=user) | Q(hosts=user)).distinct()


def may_change(user: Any, page: BookingPage) -> bool:
    return access.is_admin(user) or page.owner_id == getattr(user, "pk", None)


def find_page(user: Any, pk: Any, *, edit: bool = False) -> BookingPage:
    """The page `pk` if the person may see it (and change it, with `edit`); else
    NotVisible (404) or NotAllowed (403)."""
    try:
        page = visible_pages(user).filter(pk=pk).first()
    except (ValueError, TypeError):
        page = None
    if page is None:
        raise NotVisible("not found")
    if edit and not may_change(user, page):
        raise NotAllowed("Only its owner and administrators change a booking page.")
    return page
