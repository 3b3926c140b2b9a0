"""/api/v1/actions: reusable "Schedule Online Meeting" actions, and bulk scheduling."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from convener.api.auth import person
from convener.api.schemas import RowId
from convener.meetings.models import CredentialsPolicy, MeetingAction
from convener.meetings.triggers import TriggerKind, TriggerRef, new_occurrence
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.background import launch_later
from convener.scheduling.launch import launch_with_outcome
from convener.scheduling.limits import DESCRIPTION_MAX, EXTRA_ATTENDEES_MAX, LAUNCH_CONTACT_IDS_MAX
from convener.scheduling.preview import preview
from convener.scheduling.request import ScheduleRequest
from convener.scheduling.validation import validate_action
from convener.team import access
from convener.team.models import User

router = Router(tags=["actions"])

# The actions people keep and run. A one-off request (the popup, POST /meetings) stores
# an action too, for the record of its meeting; it is not one to read or launch again.


class ActionIn(Schema):
    name: str = Field(..., max_length=200)
    provider: str = "jitsi"
    credentials: CredentialsPolicy = CredentialsPolicy.ORGANIZATION
    fallback: CredentialsPolicy | None = None
    named_user: str | None = Field(None, description="username, for credentials=named_user")
    title_template: str = Field(
        "Meeting with {{ contact.name }}",
        max_length=300,
        description="text with placeholders such as {{ contact.first_name }} "
        "(see docs/placeholders.md)",
    )
    description_template: str = Field(
        "", max_length=DESCRIPTION_MAX, description="text with placeholders, like the title"
    )
    duration_minutes: int = 30
    timing: dict[str, Any] = Field(
        default_factory=lambda: {"mode": "immediate"},
        description="the planner's timing object (see docs/timeplan.md), without timezone",
    )
    timezone: str = ""
    timezone_chain: list[str] = Field(
        default_factory=lambda: ["browser", "contact", "action", "default"]
    )
    send_invitations: bool = True
    include_attendees: bool = True
    internal_attendees: list[str] = Field(
        default_factory=list, max_length=EXTRA_ATTENDEES_MAX, description="usernames"
    )
    external_emails: list[str] = Field(default_factory=list, max_length=EXTRA_ATTENDEES_MAX)
    passcode: str = Field("", max_length=10)


class ActionOut(ActionIn):
    id: int


class LaunchIn(Schema):
    contact_ids: list[RowId] | None = Field(
        None,
        max_length=LAUNCH_CONTACT_IDS_MAX,
        description=f"at most {LAUNCH_CONTACT_IDS_MAX:,} ids of contacts you may see; those you "
        "may not edit are skipped, with the reason; all_contacts takes any number",
    )
    all_contacts: bool = Field(False, description="every contact you may edit")
    trigger_ref: str | None = Field(
        None, max_length=100, description="run the same launch again and no meeting is doubled"
    )
    browser_timezone: str | None = None
    in_background: bool = Field(
        False,
        description="schedule in the worker and answer 202 at once with the run's id (follow "
        "it at GET /runs/{run_id}); for launches on many thousands of contacts. Without it the "
        "meetings are saved before the answer (201)",
    )


def _out(action: MeetingAction) -> dict[str, Any]:
    return {
        "id": action.pk,
        "name": action.name,
        "provider": action.provider,
        "credentials": action.credentials,
        "fallback": action.fallback or None,
        "named_user": action.named_user.username if action.named_user else None,
        "title_template": action.title_template,
        "description_template": action.description_template,
        "duration_minutes": action.duration_minutes,
        "timing": action.timing,
        "timezone": action.timezone,
        "timezone_chain": action.chain,
        "send_invitations": action.send_invitations,
        "include_attendees": action.include_attendees,
        "internal_attendees": [u.username for u in action.internal_attendees.all()],
        "external_emails": action.external_emails,
        "passcode": action.passcode,
    }


def _users(usernames: list[str], field: str) -> list[User]:
    users = list(User.objects.filter(username__in=usernames))
    missing = sorted(set(usernames) - {u.username for u in users})
    if missing:
        raise ValidationError({field: f"no team member named {', '.join(missing)}"})
    return users


@router.post("/actions", response={201: ActionOut})
def create_action(request: HttpRequest, payload: ActionIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    internal = _users(data.pop("internal_attendees"), "internal_attendees")
    named = data.pop("named_user")
    data["named_user"] = _users([named], "named_user")[0] if named else None
    data["fallback"] = data["fallback"] or ""
    action = MeetingAction(**data, created_by=request.auth)  # type: ignore[attr-defined]
    validate_action(action, team_members=len(internal))
    with transaction.atomic():
        action.save()
        action.internal_attendees.set(internal)
    return Status(201, _out(action))


@router.get("/actions", response=list[ActionOut])
def list_actions(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(a) for a in MeetingAction.objects.order_by("id")]


@router.get("/actions/{action_id}", response=ActionOut)
def get_action(request: HttpRequest, action_id: RowId) -> dict[str, Any]:
    return _out(get_object_or_404(MeetingAction, pk=action_id))


def _request(request: HttpRequest, action: MeetingAction, payload: LaunchIn) -> ScheduleRequest:
    """The launch as a ScheduleRequest. A contact you may not see is one that does not
    exist; one you may see but not edit is skipped by scheduling, with the reason."""
    user = person(request)
    if payload.all_contacts:
        ids = list(access.editable_contacts(user).order_by("pk").values_list("pk", flat=True))
    elif payload.contact_ids:
        ids = [c.pk for c in access.find_contacts(user, payload.contact_ids)]
    else:
        raise ValidationError({"contact_ids": "give contact_ids, or all_contacts: true"})
    return ScheduleRequest(
        action=action,
        contact_ids=ids,
        # The same launch reference runs the same trigger again; without one every launch
        # is new.
        trigger=TriggerRef(
            TriggerKind.BULK, str(action.pk), payload.trigger_ref or new_occurrence()
        ),
        requested_by=user,
        browser_timezone=payload.browser_timezone,
    )


@router.post("/actions/{action_id}/preview")
def preview_launch(request: HttpRequest, action_id: RowId, payload: LaunchIn) -> dict[str, Any]:
    """What a launch would schedule, and warnings (e.g. a host over a daily cap)."""
    action = get_object_or_404(MeetingAction, pk=action_id)
    return preview(_request(request, action, payload)).as_dict()


@router.post("/actions/{action_id}/schedule", response={201: dict[str, Any], 202: dict[str, Any]})
def launch(request: HttpRequest, action_id: RowId, payload: LaunchIn) -> Status[dict[str, Any]]:
    """Schedule a meeting for each contact with this action, in one transaction, recorded
    as a run (`run_id`; its progress at GET /runs/{run_id}). The same `trigger_ref` is the
    same run: launched again, it makes only what is missing. With `in_background`, the
    worker schedules them and the answer (202) comes at once."""
    action = get_object_or_404(MeetingAction, pk=action_id)
    if payload.in_background:
        run = launch_later(_request(request, action, payload))
        return Status(202, {"run_id": run.pk, "status": run.status, "requested": run.requested})
    try:
        run, outcome = launch_with_outcome(_request(request, action, payload))
    except NoUsableConnection as exc:
        # The seam refuses a lone recipient no account can host (the popup shows why);
        # the preview lists it as skipped. Nothing was saved.
        field = "all_contacts" if payload.all_contacts else "contact_ids"
        raise ValidationError({field: f"no meeting can be scheduled: {exc}"}) from None
    return Status(201, {"run_id": run.pk, **outcome.summary()})
