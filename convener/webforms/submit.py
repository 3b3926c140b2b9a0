"""What a submission does while the visitor waits: the checks a visitor can act on, then
one short transaction that stores the row and queues its processing.

The contact, the segment, the meeting action and the owner's notice are done by the
worker (convener.webforms.processing): the visitor's answer never waits for planning,
and the write lock of SQLite is held for one insert, not for a whole plan. The row is the
queue: its task is queued in the same transaction, and a sweep hands a row that waited
too long to a new task. The row's (form, nonce) is unique, so a double click or a
browser retry that races this one finds its row and shows the same outcome.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from convener import timeplan
from convener.crm.models import Contact
from convener.db.rows import unique_row
from convener.intake.start import field_of_timing, planned_start
from convener.intake.values import EMAIL, RowValues, read_values
from convener.timezones import zone_refusal
from convener.webforms.models import FieldKind, FormField, Submission, SubmissionStatus, WebForm
from convener.webforms.tasks import process_submission


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
    given: dict[str, object] = dataclasses.field(
        default_factory=dict
    )  # target -> value, for the worker


def check(form: WebForm, fields: list[FormField], cleaned: dict[str, Any], zone: str) -> Checked:
    """The visitor's values read as contact values, and whether the meeting action can
    plan with them; each problem goes to the field the visitor can correct."""
    by_target: dict[str, str] = {}
    for field in fields:
        if field.target:
            by_target.setdefault(field.target, field.key)
    if EMAIL not in by_target:
        return Checked(None, {})
    given = _target_values(fields, cleaned)
    values = read_values(given)
    errors: dict[str, list[str]] = {}
    for problem in values.problems:
        key = by_target.get(problem.target) or by_target[EMAIL]
        errors.setdefault(key, []).append(problem.message)
    if errors or form.action is None:
        return Checked(values, errors, given)
    timing_target = field_of_timing(form.action)
    timing_key = by_target.get(timing_target or "")
    if timing_key is None:
        return Checked(values, {}, given)  # nothing the visitor typed decides the time
    existing = unique_row(Contact.objects.with_email(values.email))
    planned = planned_start(form.action, values, existing, browser_timezone=zone or None)
    if isinstance(planned, timeplan.SkippedRecipient):
        errors[timing_key] = [VISITOR_WORDS.get(planned.code, planned.reason)]
    return Checked(values, errors, given)


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
    given: dict[str, object] | None = None,
) -> Received:
    """The submission row, and its processing queued in the same transaction when it
    waits for the worker; the row a concurrent send of the same render wrote, if that one
    came first. The queue is the database, so the task is durable with the row: no commit
    can leave a stored submission without its task (a crashed task is the sweep's)."""
    try:
        with transaction.atomic():
            submission = Submission.objects.create(
                form=form,
                nonce=nonce,
                values=sent,
                intake=given or {},
                browser_timezone=zone,
                remote_address=address,
                status=status,
                queued_at=timezone.now() if status == SubmissionStatus.PROCESSING else None,
                reason="Held as spam: the hidden anti-robot field was filled."
                if status == SubmissionStatus.SPAM
                else "",
            )
            if status == SubmissionStatus.PROCESSING:
                process_submission.enqueue(submission.pk)
    except IntegrityError:
        return Received(Submission.objects.get(form=form, nonce=nonce), repeated=True)
    return Received(submission, repeated=False)


def receive(
    form: WebForm,
    nonce: str,
    sent: dict[str, str],
    zone: str,
    address: str | None,
    checked: Checked,
) -> Received:
    """The checked submission stored for the worker."""
    return store(form, nonce, sent, zone, address, SubmissionStatus.PROCESSING, given=checked.given)
