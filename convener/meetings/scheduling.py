"""The pipeline's entry: every trigger builds a ScheduleRequest and calls `schedule`.

trigger -> ScheduleRequest -> plan (timeplan) -> choose account -> Meeting rows (one
transaction) -> link creation enqueued on commit -> invitations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.utils import timezone

from convener import timeplan
from convener.connections.selection import AccountChoice, NoUsableConnection, choose_account
from convener.crm.models import Contact
from convener.meetings.models import (
    Attendee,
    CredentialsPolicy,
    Meeting,
    MeetingAction,
)
from convener.meetings.tasks import enqueue_link_creation
from convener.team.models import User


@dataclass
class ScheduleRequest:
    action: MeetingAction
    contacts: Sequence[Contact]
    trigger: str  # contact_popup, bulk, segment, form, campaign, work_item, booking, api
    requested_by: User | None = None
    # Same trigger_ref + same contact = the same meeting, however often the trigger re-runs.
    trigger_ref: str | None = None
    browser_timezone: str | None = None
    now: datetime | None = None


@dataclass
class Skip:
    contact: Contact
    reason: str


@dataclass
class ScheduleOutcome:
    created: list[Meeting] = field(default_factory=list)
    existing: list[Meeting] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)


def render_text(template: str, contact: Contact, host: User | None) -> str:
    """Render a title or description template with plain values only, so a template can
    never reach into models (e.g. a user's password hash)."""
    context = {
        "contact": {
            "name": contact.name,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "company": contact.company,
            "fields": dict(contact.fields or {}),
        },
        "host": {"name": host.display_name, "email": host.email} if host else {},
    }
    return Template(template).render(Context(context, autoescape=False)).strip()


def _plan_document(
    request: ScheduleRequest, contacts: Sequence[Contact], hosts: dict[int, AccountChoice]
) -> dict[str, Any]:
    action = request.action
    per_host = action.credentials != CredentialsPolicy.ORGANIZATION
    now = request.now or timezone.now()
    recipients = []
    for contact in contacts:
        host = hosts[contact.pk].host
        recipients.append(
            {
                "id": str(contact.pk),
                "host": f"user-{host.pk}" if (per_host and host) else "organization",
                "timezone": contact.timezone or None,
                "browser_timezone": request.browser_timezone or None,
                "fields": dict(contact.fields or {}),
            }
        )
    timing = dict(action.timing or {"mode": "immediate"})
    timing["timezone"] = action.timezone or None
    return {
        "now": now.isoformat(),
        "duration_minutes": action.duration_minutes,
        "timing": timing,
        "timezone_chain": action.chain,
        "default_timezone": settings.DEFAULT_TIMEZONE,
        "recipients": recipients,
        "busy": {},
    }


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _attendees(action: MeetingAction, contact: Contact) -> list[Attendee]:
    people = [Attendee(email=contact.email, name=contact.name, kind=Attendee.Kind.CONTACT)]
    seen = {contact.email.lower()}
    for user in action.internal_attendees.all():
        if user.email and user.email.lower() not in seen:
            seen.add(user.email.lower())
            people.append(
                Attendee(
                    email=user.email,
                    name=user.display_name,
                    kind=Attendee.Kind.INTERNAL,
                    user=user,
                )
            )
    for email in action.external_emails or []:
        if email.lower() not in seen:
            seen.add(email.lower())
            people.append(Attendee(email=email, kind=Attendee.Kind.EXTERNAL))
    return people


def schedule(request: ScheduleRequest) -> ScheduleOutcome:
    """Plan and save the meetings of a request. Raises NoUsableConnection before saving
    anything when the action's provider has no account that can host them."""
    action = request.action
    outcome = ScheduleOutcome()
    choices: dict[int, AccountChoice] = {}
    for contact in request.contacts:
        try:
            choices[contact.pk] = choose_account(action, contact, request.requested_by)
        except NoUsableConnection as exc:
            if len(request.contacts) == 1:
                raise
            outcome.skipped.append(Skip(contact, str(exc)))
    contacts = [c for c in request.contacts if c.pk in choices]
    plan = timeplan.plan_document(_plan_document(request, contacts, choices))
    by_id = {str(c.pk): c for c in contacts}
    for skipped in plan["skipped"]:
        outcome.skipped.append(Skip(by_id[skipped["id"]], skipped["reason"]))
    new_ids: list[int] = []
    with transaction.atomic():
        for planned in plan["meetings"]:
            contact = by_id[planned["id"]]
            choice = choices[contact.pk]
            trigger_key = (
                f"{request.trigger}:{request.trigger_ref}:{contact.pk}"
                if request.trigger_ref
                else None
            )
            if trigger_key:
                existing = Meeting.objects.filter(trigger_key=trigger_key).first()
                if existing is not None:
                    outcome.existing.append(existing)
                    continue
            meeting = Meeting(
                trigger=request.trigger,
                trigger_key=trigger_key,
                action=action,
                contact=contact,
                host=choice.host,
                provider=action.provider,
                connection=choice.connection,
                title=render_text(action.title_template, contact, choice.host)[:300] or "Meeting",
                description=render_text(action.description_template, contact, choice.host),
                start=_parse_utc(planned["start"]),
                end=_parse_utc(planned["end"]),
                timezone=planned["timezone"],
                timezone_source=planned.get("timezone_source", ""),
                planning_note="; ".join(planned.get("notes", []) or [])[:200],
                passcode=action.passcode,
                send_invitations=action.send_invitations,
                created_by=request.requested_by,
            )
            try:
                with transaction.atomic():
                    meeting.save()
            except IntegrityError:  # the same trigger ran concurrently and won
                outcome.existing.append(Meeting.objects.get(trigger_key=trigger_key))
                continue
            for attendee in _attendees(action, contact):
                attendee.meeting = meeting
                attendee.save()
            outcome.created.append(meeting)
            new_ids.append(meeting.pk)
        enqueue_link_creation(new_ids)
    return outcome
