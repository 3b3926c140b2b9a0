"""Request and response bodies of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema

from convener.scheduling.hosting import HostChoice
from convener.scheduling.limits import (
    CONTACTS_PER_REQUEST_MAX,
    DESCRIPTION_MAX,
    EXTRA_ATTENDEES_MAX,
    TITLE_MAX,
)
from convener.timeplan.bounds import LONGEST_MEETING_MINUTES, SHORTEST_MEETING_MINUTES

# Ids are 64-bit signed integers in the database: a larger number can name no row, and
# SQLite cannot even bind it. Refused as input (422 naming the field), never looked up.
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


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


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def unset(description: str | None = None) -> Any:
    """A field that may be left out but, when sent, must not be null. Left out it stays
    unset (None, dropped by exclude_unset); null fails validation naming the field instead
    of reaching a NOT NULL column. The schema shows no null default it would refuse."""
    return Field(None, description=description, json_schema_extra=_drop_default)


class ContactPatch(Schema):
    """Only the fields sent change. Null is refused (422 naming the field) except for
    `owner`, where it means "no owner": send "" to clear a text."""

    email: str = unset()
    first_name: str = unset()
    last_name: str = unset()
    company: str = unset()
    timezone: str = unset("IANA zone, or empty if unknown")
    owner: str | None = Field(None, description="username; null or empty for no owner")
    fields: dict[str, Any] = unset("custom field values to change; others stay")


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
    contact_ids: list[RowId] = Field(..., min_length=1, max_length=CONTACTS_PER_REQUEST_MAX)
    title: str = Field(..., max_length=TITLE_MAX)
    start: datetime | None = Field(
        None,
        description="Local date and time in `timezone` (e.g. 2026-12-01T10:00); "
        "with an offset it is an absolute instant; omit for an immediate meeting",
    )
    timezone: str | None = Field(None, description="IANA zone; default: your own")
    duration_minutes: int = Field(30, ge=SHORTEST_MEETING_MINUTES, le=LONGEST_MEETING_MINUTES)
    description: str = Field(
        "",
        max_length=DESCRIPTION_MAX,
        description="fewer characters for some providers (Zoom: 1,961)",
    )
    attendees: list[str] = Field(
        default_factory=list, max_length=EXTRA_ATTENDEES_MAX, description="extra attendee emails"
    )
    provider: str = "jitsi"
    host: HostChoice | None = Field(
        None,
        description="Which account hosts the meetings: `me` (yours), `organization` "
        "(the organization's), `owner` (each contact owner's). A chosen account that cannot "
        "host is refused, never swapped for another. Omit for the contact owner's, else "
        "yours, else the organization's",
    )
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
