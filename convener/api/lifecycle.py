"""/api/v1/meetings/{id}: change (PATCH), cancel and retry a meeting.

The PATCH is added to the meetings router, next to the GET of the same path: django-ninja
makes one Django URL per path per router, and the first one wins, so a PATCH on another
router for that path would answer 405. Cancel and retry are on this module's router.
Importing this module registers all three.

Each needs the permission to change the meeting, and, for a meeting on another member's
connected account, to use other users' accounts (docs/permissions.md): 404 for a meeting
you may not see, 403 for one you may see but not change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from convener.api.auth import person
from convener.api.errors import ErrorOut
from convener.api.meetings import meeting_out
from convener.api.meetings import router as meetings_router
from convener.api.schemas import MeetingOut, RowId
from convener.meetings.models import Meeting
from convener.scheduling import lifecycle
from convener.scheduling.limits import DESCRIPTION_MAX, TITLE_MAX
from convener.team import access
from convener.timeplan.bounds import LONGEST_MEETING_MINUTES, SHORTEST_MEETING_MINUTES

router = Router(tags=["meetings"])


class MeetingPatch(Schema):
    """Only the fields sent change. Any PATCH of a meeting without a link (even an empty
    one) makes the link again now."""

    start: datetime | None = Field(
        None,
        description="Local date and time in `timezone` (e.g. 2026-12-01T10:00); with an "
        "offset it is an absolute instant. The duration stays unless given.",
    )
    timezone: str | None = Field(
        None,
        description="IANA zone the meeting is planned in; without `start`, the meeting keeps "
        "its instant and only the zone shown changes",
    )
    duration_minutes: int | None = Field(
        None, ge=SHORTEST_MEETING_MINUTES, le=LONGEST_MEETING_MINUTES
    )
    title: str | None = Field(None, max_length=TITLE_MAX)
    description: str | None = Field(None, max_length=DESCRIPTION_MAX)
    join_url: str | None = Field(
        None,
        max_length=2000,
        description="A link set by hand (http or https), sent in the invitations instead of "
        "the provider's; an empty string returns to the provider's link",
    )


class LifecycleMeetingOut(MeetingOut):
    sequence: int = Field(description="The invitation's SEQUENCE: raised by every change")
    manual_link: bool = Field(description="The link was set by hand")
    cancel_requested: bool


def _out(meeting: Meeting) -> dict[str, Any]:
    fresh = (
        Meeting.objects.select_related("host")
        .prefetch_related("attendees", "deliveries")
        .get(pk=meeting.pk)
    )
    return {
        **meeting_out(fresh),
        "sequence": fresh.sequence,
        "manual_link": fresh.manual_link,
        "cancel_requested": fresh.cancel_requested,
    }


def _editable(request: HttpRequest, meeting_id: int) -> Meeting:
    """404 for a meeting you may not see, 403 for one you may not change."""
    queryset = Meeting.objects.select_related("host", "connection")
    return access.find(person(request), queryset, meeting_id, edit=True)


def _busy(exc: lifecycle.MeetingBusy) -> HttpError:
    return HttpError(409, str(exc))


@meetings_router.patch("/meetings/{meeting_id}", response={200: LifecycleMeetingOut, 409: ErrorOut})
def change_meeting(
    request: HttpRequest, meeting_id: RowId, payload: MeetingPatch
) -> dict[str, Any]:
    """Reschedule, rename, or set a link by hand. A change raises the SEQUENCE, updates the
    provider's meeting (a link set by hand needs no provider call) and sends the
    invitations again."""
    meeting = _editable(request, meeting_id)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    try:
        lifecycle.save_meeting(meeting, changes, by=person(request))
    except lifecycle.MeetingBusy as exc:
        raise _busy(exc) from None
    return _out(meeting)


@router.post("/meetings/{meeting_id}/cancel", response={200: LifecycleMeetingOut, 409: ErrorOut})
def cancel_meeting(request: HttpRequest, meeting_id: RowId) -> dict[str, Any]:
    """Cancel: the provider's meeting is deleted and the attendees get a METHOD:CANCEL.
    `state` becomes "cancelled" once that is done; cancelling again changes nothing."""
    meeting = _editable(request, meeting_id)
    try:
        lifecycle.cancel(meeting, by=person(request))
    except lifecycle.MeetingBusy as exc:
        raise _busy(exc) from None
    return _out(meeting)


@router.post("/meetings/{meeting_id}/retry", response={200: LifecycleMeetingOut, 409: ErrorOut})
def retry_meeting(request: HttpRequest, meeting_id: RowId) -> dict[str, Any]:
    """Try again now: make a missing link (attempts start over), finish an update, a
    cancel or invitations that are waiting for their next try, or send again the
    invitations given up as undeliverable."""
    meeting = _editable(request, meeting_id)
    try:
        lifecycle.retry(meeting, by=person(request))
    except lifecycle.MeetingBusy as exc:
        raise _busy(exc) from None
    return _out(meeting)
