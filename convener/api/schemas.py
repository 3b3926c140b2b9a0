"""Request and response bodies of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from convener.meetings.limits import (
    CONTACTS_PER_REQUEST_MAX,
    DESCRIPTION_MAX,
    EXTRA_ATTENDEES_MAX,
    TITLE_MAX,
)


class ContactIn(Schema):
    email: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    timezone: str = Field("", description="IANA zone, e.g. Europe/Berlin; empty if unknown")
    owner: str | None = Field(
        None,
        description="username of the team member who owns it; without it you do, "
        "null: nobody (which needs the permission to edit other members' contacts)",
    )
    fields: dict[str, Any] = Field(default_factory=dict, description="custom field values")


class ContactPatch(Schema):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    timezone: str | None = None
    owner: str | None = None
    fields: dict[str, Any] | None = None


class ContactOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    company: str
    timezone: str
    owner: str | None
    fields: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class AttendeeOut(Schema):
    email: str
    name: str
    kind: str


class InvitationOut(Schema):
    recipient: str
    method: str
    sequence: int
    status: str = Field(
        description="pending, sending, sent, held (in the outbox), failed (will retry) or "
        "undeliverable (given up: see error)"
    )
    sent_at: datetime | None
    error: str = Field("", description="why it was not sent, while it was not")


class MeetingOut(Schema):
    id: int
    uid: str
    title: str
    state: str
    state_label: str
    state_reason: str
    contact_id: int | None
    host: str | None
    provider: str
    join_url: str
    passcode: str
    start: datetime
    end: datetime
    timezone: str
    timezone_source: str
    local_start: str
    attempts: int
    next_attempt_at: datetime | None
    attendees: list[AttendeeOut]
    invitations: list[InvitationOut]
    created_at: datetime


class ScheduleIn(Schema):
    contact_ids: list[int] = Field(..., min_length=1, max_length=CONTACTS_PER_REQUEST_MAX)
    title: str = Field(..., max_length=TITLE_MAX)
    start: datetime | None = Field(
        None,
        description="Local date and time in `timezone` (e.g. 2026-12-01T10:00); "
        "with an offset it is an absolute instant; omit for an immediate meeting",
    )
    timezone: str | None = Field(None, description="IANA zone; default: your own")
    duration_minutes: int = Field(30, ge=5, le=1440)
    description: str = Field(
        "",
        max_length=DESCRIPTION_MAX,
        description="fewer characters for some providers (Zoom: 1,961)",
    )
    attendees: list[str] = Field(
        default_factory=list, max_length=EXTRA_ATTENDEES_MAX, description="extra attendee emails"
    )
    provider: str = "jitsi"
    send_invitations: bool = True
    passcode: str = ""
    idempotency_key: str | None = Field(
        None,
        max_length=100,
        description="Repeat a request with the same key and no second meeting is made",
    )


class SkipOut(Schema):
    contact_id: int
    reason: str


class ScheduleOut(Schema):
    meetings: list[MeetingOut]
    existing: list[MeetingOut]
    skipped: list[SkipOut]
