"""A stored submission carried out by the worker: the contact, the segment, the meeting
action and the owner's notice.

Idempotent: only a submission still waiting is processed and finished, the contact is
found by its address, and the meeting's trigger reference is the form and the render's
nonce, so a task run twice, even at once (a sweep after a slow task, a worker restarted
mid-task), makes one contact and one meeting. A failure is written on the row: the
visitor's request is never lost to an error, and the thank-you page says it was
received, not that it worked.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from convener.intake.run import run_action
from convener.intake.sweep import requeue_waiting, waiting_too_long
from convener.intake.upsert import upsert_contact
from convener.intake.values import EMAIL, read_values
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.segments.models import Segment, SegmentMember
from convener.webforms.events import contact_submitted_form
from convener.webforms.models import Submission, SubmissionStatus
from convener.webforms.notify import notify_owner

log = logging.getLogger(__name__)

NO_EMAIL_FIELD = "The form has no field for the email address, so no contact was made."
Status = SubmissionStatus


def process(submission_id: int) -> bool:
    """Carry out the submission if it is still waiting; whether this call finished it.

    No transaction spans the whole: the contact is saved in its own short one and the
    meeting in schedule()'s (planned before it), so the write lock that visitors' sends
    wait for is held for a few inserts, never for a plan. What ties the steps together is
    idempotency: the upsert finds the contact, the trigger reference finds the meeting,
    and the row is finished only while it is still waiting."""
    submission = (
        Submission.objects.select_related("form__action")
        .filter(pk=submission_id, status=Status.PROCESSING)
        .first()
    )
    if submission is None:
        return False  # done already, by an earlier run of its task
    try:
        _process(submission)
    except Exception as failure:  # never lose the submission to an unexpected error
        log.exception("web form submission %s could not be processed", submission_id)
        Submission.objects.filter(pk=submission_id, status=Status.PROCESSING).update(
            status=Status.NOT_SCHEDULED, reason=f"Could not be processed: {failure}"
        )
        return True
    # Finishing the row and telling the rest of Convener (a campaign's form source) are one
    # commit: only the call that finishes it tells, and it tells exactly once.
    with transaction.atomic():
        finished = (
            Submission.objects.filter(pk=submission_id, status=Status.PROCESSING).update(
                status=submission.status,
                reason=submission.reason,
                contact=submission.contact,
                meeting=submission.meeting,
            )
            == 1
        )
        if finished and submission.contact is not None:
            contact_submitted_form(submission.form_id, submission.contact.pk, submission_id)
    if finished and submission.form.notify_owner:
        notify_owner(submission_id)
    return finished


def _process(submission: Submission) -> None:
    form = submission.form
    given = dict(submission.intake or {})
    if EMAIL not in given:
        submission.status = Status.NOT_SCHEDULED if form.action_id else Status.RECEIVED
        submission.reason = NO_EMAIL_FIELD
        return
    values = read_values(given)  # checked when it arrived; read again into values here
    contact = upsert_contact(values, default_owner_id=form.owner_id).contact
    submission.contact = contact
    submission.status = Status.RECEIVED
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
            submission.status = Status.SCHEDULED
        else:
            submission.status = Status.NOT_SCHEDULED
            submission.reason = result.skip_reason


def recover_waiting(*, now: datetime | None = None, force: bool = False) -> int:
    """Queue again the submissions whose task died with its worker (convener.intake.sweep)."""
    from convener.webforms.tasks import process_submission

    waiting = Submission.objects.filter(status=Status.PROCESSING)
    return requeue_waiting(waiting, process_submission.enqueue, now=now, force=force)


def recover_if_waiting(submission: Submission) -> None:
    """Called when a waiting submission is looked at: its task may have died."""
    if submission.status == Status.PROCESSING and waiting_too_long(submission.queued_at):
        recover_waiting(force=True)  # this row is late: no need to wait for the pace
