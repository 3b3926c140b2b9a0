"""The meeting of a job, through the scheduling seam.

A job that reaches Ready gets one meeting, with the job as its trigger source:
TriggerRef(WORK_ITEM, job id, "meeting"); running it again finds the same meeting. The
meeting is configured by an unsaved MeetingAction built from the organization's
automation settings (MeetingAutomation): its provider and organization account, the
job's start, end and zone, its title and description, the contact, and (with "Enable
attendees") the job's other client contacts as attendees.

After that the job's meeting follows the job: moving the job reschedules it (a provider
update and an invitation with the next SEQUENCE), cancelling the job cancels it (at the
provider, and an ICS CANCEL). A job that leaves Ready before it starts keeps its
meeting, since a resource who declines is usually replaced and the guests already hold
the link; with "Cancel the meeting when a job leaves Ready" the meeting is cancelled,
and a later Ready makes a new one (the next round's occurrence).
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from convener.meetings.models import CredentialsPolicy, Meeting, MeetingAction, MeetingState
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.providers.registry import PROVIDERS, provider_class
from convener.scheduling import lifecycle
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.placeholders import literal
from convener.scheduling.request import FixedStart, ScheduleRequest
from convener.scheduling.schedule import schedule
from convener.scheduling.validation import validate_action
from convener.workitems.models import Job, JobStatus, MeetingAutomation

log = logging.getLogger(__name__)

NO_PROVIDER = "No virtual meeting provider is configured: an administrator sets one up."
AUTOMATION_OFF = "Meeting automation is switched off."


def trigger_of(job: Job) -> TriggerRef:
    occurrence = "meeting" if job.meeting_round == 0 else f"meeting-{job.meeting_round}"
    return TriggerRef(TriggerKind.WORK_ITEM, str(job.pk), occurrence)


def meeting_of(job: Job) -> Meeting | None:
    """The job's current meeting, if it has one."""
    if job.pk is None:
        return None
    return (
        Meeting.objects.filter(trigger_key=trigger_of(job).meeting_key(job.contact_id))
        .select_related("connection", "host")
        .first()
    )


def provider_missing(settings: MeetingAutomation) -> bool:
    return not settings.provider or settings.provider not in PROVIDERS


def why_no_meeting(settings: MeetingAutomation) -> str:
    """Why a job reaching Ready now would get no meeting ("" when it would)."""
    if provider_missing(settings):
        return NO_PROVIDER
    if not settings.enabled:
        return AUTOMATION_OFF
    return ""


def meeting_action(job: Job, settings: MeetingAutomation) -> MeetingAction:
    """The automation's settings for this job, as an unsaved action."""
    attendees: list[str] = []
    if settings.enable_attendees:
        attendees = [c.email for c in job.attendees.all() if c.email != job.contact.email]
    passcode = settings.passcode if provider_class(settings.provider).capabilities.passcode else ""
    return MeetingAction(
        name=job.title[:160],
        provider=settings.provider,
        credentials=CredentialsPolicy.ORGANIZATION,
        title_template=literal(job.title),
        description_template=literal(job.description),
        duration_minutes=max(job.duration_minutes, 1),
        timezone=job.timezone,
        send_invitations=settings.send_ics,
        include_attendees=settings.enable_attendees,
        external_emails=attendees,
        passcode=passcode,
    )


def create_meeting(job: Job) -> Meeting | None:
    """Make the job's meeting (or find it: the same trigger is the same meeting). When
    it cannot be made, the reason is kept on the job and shown there."""
    settings = MeetingAutomation.current()
    problem = why_no_meeting(settings)
    meeting = meeting_of(job)
    if meeting is None and not problem and job.start is not None:
        action = meeting_action(job, settings)
        try:
            validate_action(action)
            outcome = schedule(
                ScheduleRequest(
                    action=action,
                    contact_ids=[job.contact_id],
                    trigger=trigger_of(job),
                    requested_by=None,
                    start=FixedStart(job.start, job.timezone),
                )
            )
        except ValidationError as exc:
            problem = "; ".join(f"{k}: {v[0]}" for k, v in exc.message_dict.items())
        except NoUsableConnection as exc:
            problem = str(exc)
        else:
            if outcome.skipped:
                problem = outcome.skipped[0].reason
            meeting = meeting_of(job)
    problem = "" if meeting is not None else problem
    if job.meeting_problem != problem[:300]:
        job.meeting_problem = problem[:300]
        Job.objects.filter(pk=job.pk).update(meeting_problem=job.meeting_problem)
    if problem:
        log.info("job %s: no meeting: %s", job.pk, problem)
    return meeting


def _live(meeting: Meeting | None) -> Meeting | None:
    if meeting is None or meeting.cancel_requested or meeting.state == MeetingState.CANCELLED:
        return None
    return meeting


def follow(job: Job, *, was_status: str, was_times: tuple[object, object, str]) -> None:
    """Bring the job's meeting in line with a change of the job. Runs on commit of the
    job's change, so that a failed change leaves the meeting alone."""
    meeting = _live(meeting_of(job))
    now_ready = job.status == JobStatus.READY
    if job.status == JobStatus.CANCELLED:
        if meeting is not None:
            lifecycle.cancel(meeting)
        return
    if meeting is not None and (job.start, job.end, job.timezone) != was_times and job.start:
        try:
            lifecycle.reschedule(
                meeting,
                start=job.start,
                timezone=job.timezone,
                duration_minutes=job.duration_minutes,
            )
        except (ValidationError, lifecycle.MeetingBusy) as exc:
            # The job moved all the same; its page says the meeting did not follow.
            reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            problem = f"The meeting was not moved with the job: {reason}"[:300]
            Job.objects.filter(pk=job.pk).update(meeting_problem=problem)
            job.meeting_problem = problem
    left_ready = was_status == JobStatus.READY and job.status in {
        JobStatus.QUEUED,
        JobStatus.PENDING_ALLOCATION,
        JobStatus.PENDING_DISPATCH,
        JobStatus.DISPATCHED,
    }
    if left_ready and meeting is not None and MeetingAutomation.current().cancel_when_unready:
        lifecycle.cancel(meeting)
        Job.objects.filter(pk=job.pk).update(meeting_round=job.meeting_round + 1)
        job.meeting_round += 1
        return
    if now_ready and meeting is None:
        with transaction.atomic():
            create_meeting(job)


def retry(job: Job) -> Meeting | None:
    """Try again to make a meeting the automation could not make (a provider set up
    since, an account connected)."""
    if job.status not in {JobStatus.READY, JobStatus.IN_PROGRESS}:
        return meeting_of(job)
    return create_meeting(job)
