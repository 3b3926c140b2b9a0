"""/api/v1/booking-pages: the booking pages a person sees and their bookings, read-only.

The same rule as the pages: a page is seen by its owner, its team's hosts and the
administrators (docs/permissions.md).
"""

# No `from __future__ import annotations` here: @paginate re-reads the list view's
# annotations (see api/meetings.py).

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from convener.api.auth import person
from convener.api.rows import Rows
from convener.api.schemas import RowId
from convener.booking import permissions
from convener.booking.models import Booking, BookingPage

router = Router(tags=["booking pages"])


class BookingPageOut(Schema):
    id: int
    title: str
    kind: str = Field(description="personal, round_robin or collective")
    published: bool
    public_url: str = Field(description="the page visitors book on")
    durations: list[int] = Field(description="minutes a visitor may choose from")
    provider: str = Field(description="the meetings' provider (the location)")
    timezone: str = Field(description="the zone of the page's weekly hours")
    owner: str = Field(description="username of the page's owner")
    host_ids: list[int]
    created_at: datetime


class BookingOut(Schema):
    id: int
    status: str = Field(description="confirmed or cancelled")
    start: datetime
    end: datetime
    visitor_timezone: str
    name: str
    email: str
    answers: list[list[str]] = Field(description="[question, answer] pairs")
    host_id: int | None
    contact_id: int | None
    meeting_id: int | None
    problem: str = Field(description="why no meeting could be made; empty otherwise")
    next_meeting_attempt: datetime | None = Field(
        description="when the missing meeting is next tried on its own; null when there is "
        "nothing to try"
    )
    created_at: datetime


def page_out(page: BookingPage) -> dict[str, Any]:
    return {
        "id": page.pk,
        "title": page.title,
        "kind": page.kind,
        "published": page.published,
        "public_url": settings.SITE_URL + reverse("booking_public", kwargs={"slug": page.slug}),
        "durations": [int(d) for d in page.durations],
        "provider": page.provider,
        "timezone": page.timezone,
        "owner": page.owner.username,
        "host_ids": page.host_ids(),
        "created_at": page.created_at,
    }


def booking_out(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.pk,
        "status": booking.status,
        "start": booking.start,
        "end": booking.end,
        "visitor_timezone": booking.visitor_timezone,
        "name": booking.name,
        "email": booking.email,
        "answers": [[str(q), str(a)] for q, a in booking.answers],
        "host_id": booking.host_id,
        "contact_id": booking.contact_id,
        "meeting_id": booking.meeting_id,
        "problem": booking.problem,
        "next_meeting_attempt": booking.next_meeting_attempt
        if booking.meeting_id is None
        else None,
        "created_at": booking.created_at,
    }


@router.get("/booking-pages", response=list[BookingPageOut])
@paginate
def list_booking_pages(request: HttpRequest) -> Rows[BookingPage]:
    """Every booking page the person sees, by title."""
    return Rows(permissions.visible_pages(person(request)).order_by("title", "pk"), page_out)


@router.get("/booking-pages/{page_id}/bookings", response=list[BookingOut])
@paginate
def list_bookings(request: HttpRequest, page_id: RowId) -> Rows[Booking]:
    """The page's bookings, latest start first."""
    page = permissions.find_page(person(request), page_id)
    return Rows(page.bookings.all(), booking_out)
