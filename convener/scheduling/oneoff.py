"""Scheduling from the contact popup and the REST API: a one-off MeetingAction plus the
pipeline, in one transaction, so a refused request leaves nothing behind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.timezone import now

from convener.crm.models import Contact
from convener.meetings.models import CredentialsPolicy, MeetingAction, TimingMode
from convener.plaintext import single_line_error
from convener.providers.registry import PROVIDERS
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.limits import attendee_problems, description_problems, title_problems
from convener.scheduling.placeholders import TITLE_TEMPLATE_LENGTH, literal
from convener.scheduling.schedule import ScheduleOutcome, ScheduleRequest, schedule
from convener.scheduling.starts import StartOutOfRange, start_instant
from convener.team.models import User
from convener.timezones import is_iana_zone


@dataclass
class OneOffMeeting:
    title: str
    timezone: str
    duration_minutes: int = 30
    # Local wall time in `timezone`, or an instant when aware; None: immediately.
    start: datetime | None = None
    description: str = ""
    provider: str = "jitsi"
    credentials: str = CredentialsPolicy.CONTACT_OWNER
    fallback: str = CredentialsPolicy.ORGANIZATION
    external_emails: list[str] = field(default_factory=list)
    internal_attendees: list[User] = field(default_factory=list)
    send_invitations: bool = True
    passcode: str = ""


def validate(params: OneOffMeeting) -> None:
    errors: dict[str, str] = {}
    if not params.title.strip():
        errors["title"] = "a title is required"
    errors.update(title_problems(params.title))
    if "title" not in errors and len(literal(params.title)) > TITLE_TEMPLATE_LENGTH:
        errors["title"] = "a title has at most 300 characters (each {{ counts as 10)"
    errors.update(description_problems(params.description, params.provider))
    if not is_iana_zone(params.timezone):
        errors["timezone"] = (
            f"{params.timezone!r} is not a time zone; use an IANA name such as Europe/Berlin"
        )
    elif params.start is not None:
        try:
            start_instant(params.start, params.timezone, now())
        except StartOutOfRange as exc:
            errors["start"] = str(exc)
    if not 5 <= params.duration_minutes <= 24 * 60:
        errors["duration_minutes"] = "the duration must be between 5 minutes and 24 hours"
    if params.provider not in PROVIDERS:
        errors["provider"] = f"unknown provider {params.provider!r}"
    errors.update(attendee_problems(params.external_emails, len(params.internal_attendees)))
    passcode_problem = single_line_error(params.passcode)
    if len(params.passcode) > 10:
        errors["passcode"] = "a passcode has at most 10 characters"
    elif passcode_problem:
        errors["passcode"] = f"the passcode {passcode_problem}"
    if errors:
        raise ValidationError(errors)


def schedule_one_off(
    contacts: Sequence[Contact],
    params: OneOffMeeting,
    *,
    requested_by: User | None,
    trigger: str,
    trigger_ref: str | None = None,
    browser_timezone: str | None = None,
) -> ScheduleOutcome:
    """Raises ValidationError keyed by field; nothing is saved when it does."""
    validate(params)
    if params.start is not None and params.start.utcoffset() is not None:
        # An instant stays one: the planner reads it with its offset, in any zone.
        at = params.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        timing = {"mode": TimingMode.FIXED, "at": at}
    elif params.start is not None:
        timing = {"mode": TimingMode.FIXED, "at": params.start.strftime("%Y-%m-%dT%H:%M")}
    else:
        timing = {"mode": TimingMode.IMMEDIATE}
    with transaction.atomic():
        action = MeetingAction.objects.create(
            name=f"{params.title[:160]} ({trigger})",
            reusable=False,
            provider=params.provider,
            credentials=params.credentials,
            fallback=params.fallback,
            title_template=literal(params.title),
            description_template=literal(params.description),
            duration_minutes=params.duration_minutes,
            timing=timing,
            timezone=params.timezone,
            # A time picked in the popup is read in the zone picked with it.
            timezone_chain=(
                ["action", "default"]
                if params.start
                else ["browser", "contact", "action", "default"]
            ),
            send_invitations=params.send_invitations,
            include_attendees=True,
            external_emails=params.external_emails,
            passcode=params.passcode,
            created_by=requested_by,
        )
        action.internal_attendees.set(params.internal_attendees)
        try:
            outcome = schedule(
                ScheduleRequest(
                    action=action,
                    contact_ids=[c.pk for c in contacts],
                    trigger=trigger,
                    requested_by=requested_by,
                    trigger_ref=trigger_ref,
                    browser_timezone=browser_timezone,
                )
            )
        except NoUsableConnection as exc:
            raise ValidationError({"provider": str(exc)}) from None
        if len(contacts) == 1 and outcome.skipped:
            raise ValidationError({"start": outcome.skipped[0].reason})
    return outcome
