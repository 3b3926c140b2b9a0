"""What a submission does: the checks a visitor can act on, then the stored row, the
contact, and the form's actions.

Order matters for "nothing is lost": the submission row is written first; the contact and
the actions follow in a savepoint, and if they fail the row says why instead of
vanishing. The row's (form, nonce) is unique, so a double click or a
browser retry that races this one finds its row and shows the same outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from convener import timeplan
from convener.crm.models import Contact
from convener.intake.run import run_action
from convener.intake.start import field_of_timing, planned_start
from convener.intake.upsert import upsert_contact
from convener.intake.values import EMAIL, RowValues, read_values
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.segments.models import Segment, SegmentMember
from convener.timezones import zone_refusal
from convener.webforms.events import contact_submitted_form
from convener.webforms.models import FieldKind, FormField, Submission, SubmissionStatus, WebForm
from convener.webforms.notify import notify_owner

log = logging.getLogger(__name__)

NO_EMAIL_FIELD = "The form has no field for the email address, so no contact was made."


def browser_zone(form: WebForm, reported: str) -> str:
    """The zone the page's script reported, when the form uses it and it is a real zone."""
    if not form.detect_browser_timezone or not reported or zone_refusal(reported):
        return ""
    return reported


def _target_values(fields: list[FormField], cleaned: dict[str, Any]) -> dict[str, object]:
    given: dict[str, object] = {}
    for field in fields:
        if not field.target:
            continue
        value = cleaned.get(field.key)
        if field.kind == FieldKind.CHECKBOX:
            given[field.target] = bool(value)
        elif value not in (None, ""):
            given[field.target] = value
    return given


@dataclass
class Checked:
    values: RowValues | None  # None when the form carries no email address
    errors: dict[str, list[str]]  # field key -> messages for the visitor


def check(form: WebForm, fields: list[FormField], cleaned: dict[str, Any], zone: str) -> Checked:
    """The visitor's values read as contact values, and whether the meeting action can
    plan with them; each problem goes to the field the visitor can correct."""
    by_target: dict[str, str] = {}
    for field in fields:
        if field.target:
            by_target.setdefault(field.target, field.key)
    if EMAIL not in by_target:
        return Checked(None, {})
    values = read_values(_target_values(fields, cleaned))
    errors: dict[str, list[str]] = {}
    for problem in values.problems:
        key = by_target.get(problem.target) or by_target[EMAIL]
        errors.setdefault(key, []).append(problem.message)
    if errors or form.action is None:
        return Checked(values, errors)
    timing_target = field_of_timing(form.action)
    timing_key = by_target.get(timing_target or "")
    if timing_key is None:
        return Checked(values, {})  # nothing the visitor typed decides the time
    existing = Contact.objects.with_email(values.email).first()
    planned = planned_start(form.action, values, existing, browser_timezone=zone or None)
    if isinstance(planned, timeplan.SkippedRecipient):
        errors[timing_key] = [VISITOR_WORDS.get(planned.code, planned.reason)]
    return Checked(values, errors)


# The planner's reasons are written for the team ("date in the past: 2031-03-03T23:00Z");
# a visitor reads what to do instead.
VISITOR_WORDS: dict[str, str] = {
    "date_in_the_past": "This time has already passed. Please choose a time in the future.",
    "field_empty": "Please choose a date for the meeting.",
    "not_a_date": "Enter a real date, such as 2026-03-31.",
    "date_out_of_range": "This date is too far ahead. Please choose an earlier one.",
    "no_time_of_day": "Please choose a time of day as well as the date.",
    "no_slot": "No meeting time is free then. Please choose another time.",
}


def recent_from(address: str | None) -> int:
    if not address:
        return 0
    since = timezone.now() - timedelta(minutes=1)
    return Submission.objects.filter(remote_address=address, received_at__gte=since).count()


def over_rate(address: str | None) -> bool:
    return recent_from(address) >= settings.FORM_SUBMISSIONS_PER_MINUTE


@dataclass(frozen=True)
class Received:
    submission: Submission
    repeated: bool  # the same render had already been submitted


def store(
    form: WebForm,
    nonce: str,
    sent: dict[str, str],
    zone: str,
    address: str | None,
    status: str = SubmissionStatus.RECEIVED,
) -> Received:
    """The submission row, written before anything else is done with it; the row a
    concurrent send of the same render wrote, if that one came first."""
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                form=form,
                nonce=nonce,
                values=sent,
                browser_timezone=zone,
                remote_address=address,
                status=status,
                reason="Held as spam: the hidden anti-robot field was filled."
                if status == SubmissionStatus.SPAM
                else "",
            )
    except IntegrityError:
        return Received(Submission.objects.get(form=form, nonce=nonce), repeated=True)
    return Received(submission, repeated=False)


def receive(
    form: WebForm,
    nonce: str,
    sent: dict[str, str],
    zone: str,
    address: str | None,
    values: RowValues | None,
) -> Received:
    """The submission stored and processed in one commit (one write lock on SQLite, which
    keeps many visitors at once fast). The processing runs in a savepoint: if it fails,
    the submission is still committed, with the reason."""
    with transaction.atomic():
        received = store(form, nonce, sent, zone, address)
        if not received.repeated:
            process(form, received.submission, values)
    return received


def process(form: WebForm, submission: Submission, values: RowValues | None) -> None:
    """The contact made or updated, then the form's actions. A failure is written on the
    submission (the visitor is told their request was received, not that it worked)."""
    try:
        with transaction.atomic():
            _process(form, submission, values)
    except Exception as failure:  # never lose the submission to an unexpected error
        log.exception("web form submission %s could not be processed", submission.pk)
        Submission.objects.filter(pk=submission.pk).update(
            status=SubmissionStatus.NOT_SCHEDULED,
            reason=f"Could not be processed: {failure}",
        )
        submission.refresh_from_db()


def _process(form: WebForm, submission: Submission, values: RowValues | None) -> None:
    if values is None:
        submission.status = SubmissionStatus.NOT_SCHEDULED if form.action else submission.status
        submission.reason = NO_EMAIL_FIELD
        submission.save(update_fields=["status", "reason"])
        return
    contact = upsert_contact(values, default_owner_id=form.owner_id).contact
    submission.contact = contact
    if form.segment_id is not None:
        segment = Segment.objects.filter(pk=form.segment_id, kind=Segment.Kind.STATIC).first()
        if segment is not None:
            SegmentMember.objects.get_or_create(segment=segment, contact=contact)
    if form.action is not None:
        result = run_action(
            form.action,
            contact.pk,
            TriggerRef(TriggerKind.FORM, str(form.pk), submission.nonce),
            browser_timezone=submission.browser_timezone or None,
        )
        submission.meeting = result.meeting
        if result.meeting is not None:
            submission.status = SubmissionStatus.SCHEDULED
        else:
            submission.status = SubmissionStatus.NOT_SCHEDULED
            submission.reason = result.skip_reason
    submission.save(update_fields=["contact", "meeting", "status", "reason"])
    contact_submitted_form(form.pk, contact.pk, submission.pk)
    if form.notify_owner:
        submission_id = submission.pk
        transaction.on_commit(lambda: notify_owner(submission_id))
