"""/api/v1/segments: named groups of contacts (dynamic by rules, static by hand), their
members, and scheduling meetings for a segment with a reusable action."""

# No `from __future__ import annotations` here: django-ninja reads the annotations of a
# @paginate view through its wrapper, whose module does not know RowId.

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from convener.api.auth import person
from convener.api.contacts import contact_out
from convener.api.rows import Rows
from convener.api.schemas import ContactOut, RowId, unset
from convener.crm.models import Contact
from convener.meetings.models import MeetingAction
from convener.meetings.triggers import OCCURRENCE_MAX, new_occurrence
from convener.scheduling.limits import LAUNCH_CONTACT_IDS_MAX
from convener.segments import membership, permissions
from convener.segments.catalog import CUSTOM_PREFIX, STANDARD_FIELDS
from convener.segments.editing import SegmentChange, apply_change
from convener.segments.launch import schedule_segment
from convener.segments.models import NAME_MAX, Segment
from convener.segments.rules import CONDITIONS_MAX, GROUPS_MAX, RulesError
from convener.team import access

router = Router(tags=["segments"])

_FIELDS = ", ".join(spec.name for spec in STANDARD_FIELDS)


class ConditionIO(Schema):
    field: str = Field(
        ...,
        max_length=100,
        description=f"a contact field ({_FIELDS}) or {CUSTOM_PREFIX}<key> of a custom field",
    )
    operator: str = Field(
        ...,
        max_length=40,
        description="text: is, is_not, contains, not_contains, starts_with; numbers: eq, ne, "
        "lt, lte, gt, gte; dates and date-times: on, before, after, on_or_before, "
        "on_or_after, in_next_days, in_last_days; yes/no: is_true, is_false; owner: is, "
        "is_not; upcoming_meeting: yes, no; every field but upcoming_meeting: is_empty, "
        "is_not_empty",
    )
    value: str | int | float | bool | None = Field(
        None,
        description="what the operator compares with: a text, a number, a date "
        "(2026-12-03), a local date and time (2026-12-03T15:00, read in the segment's "
        "time zone), a number of days, a username; none for is_empty, yes, no …",
    )


class GroupIO(Schema):
    conditions: list[ConditionIO] = Field(..., max_length=CONDITIONS_MAX)


class RulesIO(Schema):
    """A contact is a member when it meets every condition of at least one group."""

    groups: list[GroupIO] = Field(..., max_length=GROUPS_MAX)


class SegmentIn(Schema):
    name: str = Field(..., max_length=NAME_MAX)
    kind: Segment.Kind = Segment.Kind.DYNAMIC
    rules: RulesIO | None = Field(None, description="a dynamic segment's rules")
    timezone: str = Field(
        "", max_length=64, description="IANA zone its rules' dates are read in; default: yours"
    )


class SegmentPatch(Schema):
    """Only the fields sent change; a segment's kind stays what it was made."""

    name: str = unset()
    rules: RulesIO = unset("a dynamic segment's rules")
    timezone: str = unset("IANA zone its rules' dates are read in")


class SegmentOut(Schema):
    id: int
    name: str
    kind: str
    rules: RulesIO | None
    timezone: str
    owner: str | None
    created_at: datetime
    updated_at: datetime


class SegmentDetailOut(SegmentOut):
    member_count: int | None = Field(
        description="the contacts you may see that are members now; null when the rules "
        "no longer hold (see problems)"
    )
    problems: list[str] = Field(
        description="why the rules cannot be evaluated (a custom field removed since …)"
    )


class MembersIn(Schema):
    contact_ids: list[RowId] = Field(..., min_length=1, max_length=LAUNCH_CONTACT_IDS_MAX)


class MembersOut(Schema):
    changed: int = Field(description="contacts added (or removed) by this request")
    member_count: int


class ScheduleSegmentIn(Schema):
    action_id: RowId
    trigger_ref: str | None = Field(
        None,
        min_length=1,
        max_length=OCCURRENCE_MAX,
        description="the same reference again makes no meeting twice (only those of new "
        "members); without one every launch is new",
    )
    browser_timezone: str | None = Field(None, max_length=64)


class SkippedOut(Schema):
    contact_id: int
    reason: str


class ScheduleSegmentOut(Schema):
    run_id: int
    run_url: str
    requested: int = Field(description="members you may see, asked for")
    created: int = Field(description="meetings this request made")
    existing: int = Field(description="members whose meeting this trigger_ref made before")
    skipped_count: int
    skipped: list[SkippedOut] = Field(description="the first 1,000 skipped, with the reason")


def segment_out(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "name": segment.name,
        "kind": segment.kind,
        "rules": segment.rules if segment.is_dynamic else None,
        "timezone": segment.timezone,
        "owner": segment.owner.username if segment.owner else None,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
    }


def _detail(segment: Segment, user: Any) -> dict[str, Any]:
    try:
        count: int | None = membership.members(segment, user).count()
        problems: list[str] = []
    except RulesError as exc:
        count, problems = None, [p.message for p in exc.problems]
    return {**segment_out(segment), "member_count": count, "problems": problems}


def _change(payload: SegmentIn | SegmentPatch, fields: set[str]) -> SegmentChange:
    data = payload.model_dump(include=fields)
    return SegmentChange(
        name=data.get("name"),
        kind=data.get("kind"),
        rules=data.get("rules"),
        timezone=data.get("timezone"),
    )


@router.get("/segments", response=list[SegmentOut])
@paginate
def list_segments(request: HttpRequest) -> Rows[Segment]:
    """Every segment (member counts are on each segment: GET /segments/{id})."""
    segments = permissions.visible_segments(person(request)).order_by("id")
    return Rows(segments, segment_out)


@router.post("/segments", response={201: SegmentDetailOut})
def create_segment(request: HttpRequest, payload: SegmentIn) -> Status[dict[str, Any]]:
    """A new segment is yours. A dynamic one needs rules; a static one starts empty."""
    user = person(request)
    segment = Segment(owner=user, timezone=user.timezone)
    apply_change(segment, _change(payload, payload.model_fields_set | {"name", "kind"}))
    segment.save()
    return Status(201, _detail(segment, user))


@router.get("/segments/{segment_id}", response=SegmentDetailOut)
def get_segment(request: HttpRequest, segment_id: RowId) -> dict[str, Any]:
    user = person(request)
    return _detail(permissions.find_segment(user, segment_id), user)


@router.patch("/segments/{segment_id}", response=SegmentDetailOut)
def update_segment(
    request: HttpRequest, segment_id: RowId, payload: SegmentPatch
) -> dict[str, Any]:
    user = person(request)
    segment = permissions.find_segment(user, segment_id, edit=True)
    apply_change(segment, _change(payload, payload.model_fields_set))
    segment.save()
    return _detail(segment, user)


@router.delete("/segments/{segment_id}", response={204: None})
def delete_segment(request: HttpRequest, segment_id: RowId) -> Status[None]:
    """Its meetings stay: they were made for contacts, not for the segment."""
    permissions.find_segment(person(request), segment_id, edit=True).delete()
    return Status(204, None)


def _rules_problems(exc: RulesError) -> ValidationError:
    return ValidationError(exc.message_dict())


@router.get("/segments/{segment_id}/members", response=list[ContactOut])
@paginate
def list_members(request: HttpRequest, segment_id: RowId) -> Rows[Contact]:
    """The members you may see, now: a dynamic segment's rules are evaluated on each call."""
    user = person(request)
    segment = permissions.find_segment(user, segment_id)
    try:
        return Rows(membership.listed(segment, user), contact_out)
    except RulesError as exc:
        raise _rules_problems(exc) from None


def _static(segment: Segment) -> None:
    if segment.is_dynamic:
        raise ValidationError(
            {
                "contact_ids": f"“{segment.name}” is dynamic: its members are the contacts its "
                "rules match. Add contacts by hand to a static segment."
            }
        )


@router.post("/segments/{segment_id}/members", response=MembersOut)
def add_members(request: HttpRequest, segment_id: RowId, payload: MembersIn) -> dict[str, Any]:
    """Add contacts you may see to a static segment; those already in it stay."""
    user = person(request)
    segment = permissions.find_segment(user, segment_id, edit=True)
    _static(segment)
    contacts = access.find_contacts(user, payload.contact_ids)
    added = membership.add(segment, contacts, user)
    return {"changed": added, "member_count": membership.members(segment, user).count()}


@router.post("/segments/{segment_id}/members/remove", response=MembersOut)
def remove_members(request: HttpRequest, segment_id: RowId, payload: MembersIn) -> dict[str, Any]:
    """Take contacts out of a static segment (the contacts themselves stay)."""
    user = person(request)
    segment = permissions.find_segment(user, segment_id, edit=True)
    _static(segment)
    contacts = access.find_contacts(user, payload.contact_ids)
    removed = membership.remove(segment, contacts)
    return {"changed": removed, "member_count": membership.members(segment, user).count()}


@router.post("/segments/{segment_id}/schedule", response={201: ScheduleSegmentOut})
def schedule(
    request: HttpRequest, segment_id: RowId, payload: ScheduleSegmentIn
) -> Status[dict[str, Any]]:
    """Schedule a meeting for each member you may edit with a reusable action; the
    members you may see but not edit are skipped, with the reason. Follow the run at
    run_url."""
    user = person(request)
    segment = permissions.find_segment(user, segment_id)
    action = MeetingAction.objects.filter(pk=payload.action_id).first()
    if action is None:
        raise ValidationError({"action_id": f"no action with id {payload.action_id}"})
    try:
        with transaction.atomic():
            result = schedule_segment(
                segment,
                action,
                user,
                payload.trigger_ref or new_occurrence(),
                browser_timezone=payload.browser_timezone,
                field="action_id",
            )
    except RulesError as exc:
        raise _rules_problems(exc) from None
    return Status(201, result.summary())
