"""/api/v1/calendar/events: the team calendar's events, listed and created. An event
with a video location gets its own meeting link (convener.calendar.links); the answer
shows the meeting as soon as it exists, and why there is none when it cannot be made.

The body is checked by the event dialog's own form, so the API and the page refuse the
same things in the same words. Times are ISO 8601 date-times, with an offset (an
instant) or without (a wall time in the event's `timezone`)."""

# No `from __future__ import annotations` here: django-ninja reads the annotations of a
# @paginate view through its wrapper.

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from convener.api.auth import person
from convener.api.rows import Rows
from convener.api.schemas import RowId
from convener.calendar import changes, copies, links
from convener.calendar.forms import FORMAT, EventForm
from convener.calendar.models import Event, LocationType
from convener.team import access
from convener.team.models import User
from convener.timezones import zone_refusal

router = Router(tags=["calendar"])

PEOPLE_MAX = 50
# The form's names for the API's fields.
FIELD_NAMES = {"contacts": "contact_ids", "guests": "external_emails", "members": "member_ids"}


class EventIn(Schema):
    title: str = Field(..., max_length=200)
    start: datetime
    end: datetime
    timezone: str = Field(..., max_length=64, description="IANA zone the event is planned in")
    location_type: LocationType = LocationType.GOOGLE_MEET
    location_detail: str = Field(
        "", max_length=500, description="the address, phone number or link of those types"
    )
    manual_link: str = Field(
        "", max_length=2000, description="a meeting link pasted by hand; it is kept"
    )
    member_ids: list[RowId] = Field(default_factory=list, max_length=PEOPLE_MAX)
    contact_ids: list[RowId] = Field(default_factory=list, max_length=PEOPLE_MAX)
    external_emails: list[str] = Field(default_factory=list, max_length=PEOPLE_MAX)
    description: str = Field("", max_length=5000)


class EventMeetingOut(Schema):
    id: int
    state: str
    join_url: str
    passcode: str
    reason: str
    account: str = Field(description="whose account made the link, in words")


class EventOut(Schema):
    id: int
    title: str
    description: str
    start: datetime
    end: datetime
    timezone: str
    location_type: str
    location_detail: str
    member_ids: list[int]
    contact_ids: list[int]
    external_emails: list[str]
    meeting: EventMeetingOut | None
    manual_link: str = Field(description="a link pasted by hand while there is no meeting")
    link_problem: str = Field(description="why no meeting could be made, if it should have one")
    host_calendar: str = Field(
        description="the event's entry in its host's own Google or Outlook calendar, in "
        "words (why it is missing, when it is); empty when it has none"
    )
    created_at: datetime
    updated_at: datetime


def event_out(event: Event) -> dict[str, Any]:
    meeting = links.meeting_of(event)
    return {
        "id": event.pk,
        "title": event.title,
        "description": event.description,
        "start": event.start,
        "end": event.end,
        "timezone": event.timezone,
        "location_type": event.location_type,
        "location_detail": event.location_detail,
        "member_ids": [u.pk for u in event.members.all()],
        "contact_ids": [c.pk for c in event.contacts.all()],
        "external_emails": list(event.external_emails or []),
        "meeting": None
        if meeting is None
        else {
            "id": meeting.pk,
            "state": meeting.state,
            "join_url": meeting.join_url,
            "passcode": meeting.passcode,
            "reason": meeting.state_reason,
            "account": links.account_in_words(meeting),
        },
        "manual_link": event.manual_link,
        "link_problem": event.link_problem,
        "host_calendar": copies.state_in_words(copies.copy_of(event)),
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }


def _wall(value: datetime, zone: str, field: str) -> str:
    """A time as the form takes it: the wall time in the event's zone."""
    if value.utcoffset() is not None and not zone_refusal(zone):
        try:
            value = value.astimezone(ZoneInfo(zone))
        except OverflowError:
            raise ValidationError({field: "the date is out of range"}) from None
    return value.strftime(FORMAT) if value.year >= 1000 else "out of range"


def _form(user: User, payload: EventIn) -> EventForm:
    contacts = access.find_contacts(user, list(dict.fromkeys(payload.contact_ids)))
    data = {
        "title": payload.title,
        "start": _wall(payload.start, payload.timezone, "start"),
        "end": _wall(payload.end, payload.timezone, "end"),
        "timezone": payload.timezone,
        "location_type": payload.location_type,
        "location_detail": payload.location_detail,
        "manual_link": payload.manual_link,
        "contacts": ", ".join(c.email for c in contacts),
        "guests": ", ".join(payload.external_emails),
        "description": payload.description,
    }
    form = EventForm(data={**data, "members": payload.member_ids}, user=user)
    return form


@router.get("/calendar/events", response=list[EventOut])
@paginate
def list_events(
    request: HttpRequest,
    starts_after: Query[str | None] = None,
    starts_before: Query[str | None] = None,
) -> Rows[Event]:
    """The team calendar's events (every member sees them), earliest first; narrow them to
    those starting in a range (`starts_after`, `starts_before`: ISO 8601 date-times;
    without an offset, UTC)."""
    person(request)
    events = Event.objects.all()
    if starts_after:
        events = events.filter(start__gte=_instant(starts_after, "starts_after"))
    if starts_before:
        events = events.filter(start__lt=_instant(starts_before, "starts_before"))
    return Rows(events.order_by("start", "id"), event_out)


def _instant(text: str, field: str) -> datetime:
    """An ISO 8601 date-time from the query; without an offset, in UTC."""
    try:
        if len(text) > 40:
            raise ValueError(text)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {field: f"“{text[:40]}” is not an ISO 8601 date-time, e.g. 2031-05-04T09:00+02:00"}
        ) from None
    return value if value.utcoffset() is not None else value.replace(tzinfo=UTC)


@router.post("/calendar/events", response={201: EventOut})
def create_event(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    """A new event. With a video location its link is made with your account for that
    provider, or that of a team member on the event; when it cannot be made, the event
    is saved all the same and `link_problem` or the meeting's `reason` says why."""
    user = person(request)
    form = _form(user, payload)
    fields = form.event_fields() if form.is_valid() else None
    if fields is None:
        raise ValidationError(
            {FIELD_NAMES.get(name, name): errors for name, errors in form.errors.items()}
        )
    return Status(201, event_out(changes.save_event(None, fields, user)))


@router.get("/calendar/events/{event_id}", response=EventOut)
def get_event(request: HttpRequest, event_id: RowId) -> dict[str, Any]:
    person(request)
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise access.NotVisible("no such event")
    return event_out(event)
