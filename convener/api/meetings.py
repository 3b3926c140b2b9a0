"""/api/v1/meetings"""

# No `from __future__ import annotations` here: @paginate re-reads the list view's
# annotations, and as strings they would be resolved in django-ninja's module, which
# knows none of the names below.

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from convener.api.auth import person
from convener.api.errors import Conflict
from convener.api.rows import Rows
from convener.api.schemas import MeetingOut, RowId, ScheduleIn, ScheduleOut
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.idempotency import KeyReused, fingerprint, schedule_once
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.scheduling.request import ScheduleOutcome
from convener.team import access

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
                "error": d.error,
            }
            for d in meeting.deliveries.all()
        ],
        "created_at": meeting.created_at,
    }


def _meetings() -> Any:
    return Meeting.objects.select_related("host").prefetch_related("attendees", "deliveries")


def viewable_meetings(request: HttpRequest) -> Any:
    """The meetings the person may see, ready for meeting_out."""
    return access.visible(person(request), _meetings())


@router.post("/meetings", response={201: ScheduleOut, 200: ScheduleOut})
def schedule_meetings(request: HttpRequest, payload: ScheduleIn) -> Status[dict[str, Any]]:
    """Schedule a meeting with each of the contacts (one request, one action). Needs the
    permission to edit each contact; a contact you may not see is one that does not exist."""
    user = person(request)
    params = OneOffMeeting(
        title=payload.title,
        timezone=payload.timezone or user.timezone,
        duration_minutes=payload.duration_minutes,
        start=payload.start,
        description=payload.description,
        provider=payload.provider,
        host=payload.host.value if payload.host else None,
        external_emails=payload.attendees,
        send_invitations=payload.send_invitations,
        passcode=payload.passcode,
    )

    def run() -> ScheduleOutcome:
        contacts = access.find_contacts(user, payload.contact_ids)
        for contact in contacts:
            access.require_edit(user, contact)
        # Each request is its own occurrence; a repeat is recognised by its idempotency key.
        trigger = TriggerRef(TriggerKind.API, str(user.pk))
        return schedule_one_off(contacts, params, requested_by=user, trigger=trigger)

    if payload.idempotency_key:
        # A repeat is answered from the first request before anything else is looked at:
        # what it made stands even if a contact was removed since.
        sent = payload.model_dump(mode="json", exclude={"idempotency_key"})
        try:
            outcome = schedule_once(user, payload.idempotency_key, fingerprint(sent), run)
        except KeyReused as exc:
            raise Conflict("idempotency_key", str(exc)) from None
    else:
        outcome = run()
    created = [meeting_out(m) for m in _meetings().filter(pk__in=outcome.created_ids)]
    # A repeated idempotency key returns the meetings it made, as far as you may see them.
    existing = [
        meeting_out(m) for m in viewable_meetings(request).filter(pk__in=outcome.existing_ids)
    ]
    body = {
        "meetings": created,
        "existing": existing,
        "skipped": [s.as_dict() for s in outcome.skipped],
    }
    return Status(201 if created else 200, body)


@router.get("/meetings", response=list[MeetingOut])
@paginate
def list_meetings(
    request: HttpRequest,
    state: Query[str | None] = None,
    contact_id: Query[RowId | None] = None,
) -> Rows[Meeting]:
    """The meetings you may see."""
    meetings = viewable_meetings(request).order_by("-id")
    if state:
        if state not in MeetingState.values:
            raise HttpError(
                422, f"unknown state {state!r}; one of {', '.join(MeetingState.values)}"
            )
        meetings = meetings.filter(state=state)
    if contact_id is not None:
        meetings = meetings.filter(contact_id=contact_id)
    return Rows(meetings, meeting_out)


@router.get("/meetings/{meeting_id}", response=MeetingOut)
def get_meeting(request: HttpRequest, meeting_id: RowId) -> dict[str, Any]:
    return meeting_out(access.find(person(request), _meetings(), meeting_id))
