"""/api/v1/meetings"""

# No `from __future__ import annotations` here: @paginate re-reads the list view's
# annotations, and as strings they would be resolved in django-ninja's module, which
# knows none of the names below.

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from convener.api.schemas import MeetingOut, RowId, ScheduleIn, ScheduleOut
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User

router = Router(tags=["meetings"])


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "uid": str(meeting.uid),
        "title": meeting.title,
        "state": meeting.state,
        "state_label": meeting.get_state_display(),
        "state_reason": meeting.state_reason,
        "contact_id": meeting.contact_id,
        "host": meeting.host.username if meeting.host else None,
        "provider": meeting.provider,
        "join_url": meeting.join_url,
        "passcode": meeting.passcode,
        "start": meeting.start,
        "end": meeting.end,
        "timezone": meeting.timezone,
        "timezone_source": meeting.timezone_source,
        "local_start": meeting.local_start.isoformat(),
        "attempts": meeting.attempts,
        "next_attempt_at": meeting.next_attempt_at,
        "attendees": [
            {"email": a.email, "name": a.name, "kind": a.kind} for a in meeting.attendees.all()
        ],
        "invitations": [
            {
                "recipient": d.recipient,
                "method": d.method,
                "sequence": d.sequence,
                "status": d.status,
                "sent_at": d.sent_at,
            }
            for d in meeting.deliveries.all()
        ],
        "created_at": meeting.created_at,
    }


def _meetings() -> Any:
    return Meeting.objects.select_related("host").prefetch_related("attendees", "deliveries")


@router.post("/meetings", response={201: ScheduleOut, 200: ScheduleOut})
def schedule_meetings(request: HttpRequest, payload: ScheduleIn) -> tuple[int, dict[str, Any]]:
    """Schedule a meeting with each of the contacts (one request, one action)."""
    user: User = request.auth  # type: ignore[attr-defined]
    contacts = list(Contact.objects.select_related("owner").filter(pk__in=payload.contact_ids))
    missing = sorted(set(payload.contact_ids) - {c.pk for c in contacts})
    if missing:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {"contact_ids": [f"there is no contact with id {', '.join(map(str, missing))}"]}
        )
    order = {pk: n for n, pk in enumerate(payload.contact_ids)}
    contacts.sort(key=lambda c: order[c.pk])
    outcome = schedule_one_off(
        contacts,
        OneOffMeeting(
            title=payload.title,
            timezone=payload.timezone or user.timezone,
            duration_minutes=payload.duration_minutes,
            start=payload.start,
            description=payload.description,
            provider=payload.provider,
            external_emails=payload.attendees,
            send_invitations=payload.send_invitations,
            passcode=payload.passcode,
        ),
        requested_by=user,
        trigger="api",
        trigger_ref=f"{user.pk}:{payload.idempotency_key}" if payload.idempotency_key else None,
    )
    created = [meeting_out(m) for m in _meetings().filter(pk__in=outcome.created_ids)]
    existing = [meeting_out(m) for m in _meetings().filter(pk__in=outcome.existing_ids)]
    body = {
        "meetings": created,
        "existing": existing,
        "skipped": [{"contact_id": s.contact_id, "reason": s.reason} for s in outcome.skipped],
    }
    return (201 if created else 200), body


@router.get("/meetings", response=list[MeetingOut])
@paginate
def list_meetings(
    request: HttpRequest,
    state: Query[str | None] = None,
    contact_id: Query[RowId | None] = None,
) -> list[dict[str, Any]]:
    meetings = _meetings().order_by("-id")
    if state:
        if state not in MeetingState.values:
            raise HttpError(
                422, f"unknown state {state!r}; one of {', '.join(MeetingState.values)}"
            )
        meetings = meetings.filter(state=state)
    if contact_id is not None:
        meetings = meetings.filter(contact_id=contact_id)
    return [meeting_out(m) for m in meetings]


@router.get("/meetings/{meeting_id}", response=MeetingOut)
def get_meeting(request: HttpRequest, meeting_id: RowId) -> dict[str, Any]:
    return meeting_out(get_object_or_404(_meetings(), pk=meeting_id))
