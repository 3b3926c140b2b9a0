"""Scheduling from the contact popup and POST /api/v1/meetings: settings typed in for this
one request. They fill in a MeetingAction that is never saved, and go through the same
validation and the same `schedule` as every trigger; a refused request saves nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import now

from convener.crm.models import Contact
from convener.meetings.models import MeetingAction
from convener.meetings.triggers import TriggerRef
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.hosting import HostChoice, apply_host
from convener.scheduling.limits import title_problems
from convener.scheduling.placeholders import TITLE_TEMPLATE_LENGTH, literal
from convener.scheduling.request import FixedStart, ScheduleOutcome, ScheduleRequest
from convener.scheduling.schedule import schedule
from convener.scheduling.starts import StartOutOfRange, start_instant
from convener.scheduling.validation import action_problems, zone_problem
from convener.team.models import User

# The popup's and the API's names for the action's fields.
FIELD_NAMES = {
    "title_template": "title",
    "description_template": "description",
    "external_emails": "attendees",
    "name": "title",  # the name is made from the title
    "named_user": "host",  # "my account" names the person who asks
}


@dataclass
class OneOffMeeting:
    title: str
    timezone: str
    duration_minutes: int = 30
    # Local wall time in `timezone`, or an instant when aware; None: immediately.
    start: datetime | None = None
    description: str = ""
    provider: str = "jitsi"
    # Which account hosts (convener.scheduling.hosting.HostChoice); None: the contact
    # owner's, else the requester's, else the organization's.
    host: str | None = None
    external_emails: list[str] = field(default_factory=list)
    internal_attendees: list[User] = field(default_factory=list)
    send_invitations: bool = True
    passcode: str = ""

    def action(self, requested_by: User | None) -> MeetingAction:
        """The settings as an action, unsaved. Title and description are taken as typed:
        braces in them are text, not placeholders."""
        action = MeetingAction(
            name=self.title[:160],
            provider=self.provider,
            title_template=literal(self.title),
            description_template=literal(self.description),
            duration_minutes=self.duration_minutes,
            timezone=self.timezone,
            timezone_chain=["browser", "contact", "action", "default"],
            send_invitations=self.send_invitations,
            include_attendees=True,
            external_emails=self.external_emails,
            passcode=self.passcode,
            created_by=requested_by,
        )
        apply_host(action, self.host, requested_by)
        return action


def validate(params: OneOffMeeting, requested_by: User | None = None) -> None:
    """Raise ValidationError keyed by the popup's and the API's field names."""
    problems = action_problems(params.action(requested_by), len(params.internal_attendees))
    errors = {FIELD_NAMES.get(key, key): message for key, message in problems.items()}
    # The title as typed: its own length and characters, before any escaping.
    title = title_problems(params.title)
    if not params.title.strip():
        title = {"title": "a title is required"}
    elif not title and len(literal(params.title)) > TITLE_TEMPLATE_LENGTH:
        title = {"title": "a title has at most 300 characters (each {{ counts as 10)"}
    errors.pop("title", None)
    if params.host is not None and params.host not in HostChoice.values:
        errors["host"] = f"unknown host {params.host!r}; one of {', '.join(HostChoice.values)}"
    errors.update(title)
    if zone := zone_problem(params.timezone):
        errors["timezone"] = zone
    elif params.start is not None:
        try:
            start_instant(params.start, params.timezone, now())
        except StartOutOfRange as exc:
            errors["start"] = str(exc)
    if errors:
        raise ValidationError(errors)


def schedule_one_off(
    contacts: Sequence[Contact],
    params: OneOffMeeting,
    *,
    requested_by: User | None,
    trigger: TriggerRef,
    browser_timezone: str | None = None,
) -> ScheduleOutcome:
    """Raises ValidationError keyed by field; nothing is saved when it does."""
    validate(params, requested_by)
    with transaction.atomic():
        try:
            outcome = schedule(
                ScheduleRequest(
                    action=params.action(requested_by),
                    contact_ids=[c.pk for c in contacts],
                    trigger=trigger,
                    requested_by=requested_by,
                    # A time picked in the popup is read in the zone picked with it.
                    start=FixedStart(params.start, params.timezone) if params.start else None,
                    internal_attendees=params.internal_attendees,
                    browser_timezone=browser_timezone,
                )
            )
        except NoUsableConnection as exc:
            # A chosen account that cannot host is the choice's problem; without a
            # choice, it is the provider's (no account of it can host).
            field_name = "provider" if params.host is None else "host"
            raise ValidationError({field_name: str(exc)}) from None
        if len(contacts) == 1 and outcome.skipped:
            raise ValidationError({"start": outcome.skipped[0].reason})
    return outcome
