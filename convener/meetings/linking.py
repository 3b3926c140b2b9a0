"""Creating a meeting's link at its provider: claim, attempt, record, invite.

A meeting is claimed with a conditional update that sets a lease, so only one worker
works on it; a worker that dies leaves an expired lease that the sweeper hands on. Every
provider call is recorded as an Attempt before it is made. A retry passes
`reconcile=True`, so providers without server-side idempotency (Zoom) look for the
meeting an earlier attempt may have made before creating one.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from convener.connections.factory import build_provider
from convener.meetings.backoff import MAX_ATTEMPTS, retry_delay
from convener.meetings.invitations.delivery import deliver
from convener.meetings.models import Attempt, Meeting, MeetingState
from convener.providers.base import (
    AuthenticationError,
    MeetingInfo,
    MeetingSpec,
    Person,
    ProviderError,
    QuotaExhausted,
)

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)


def claimable() -> Q:
    now = timezone.now()
    return (
        Q(state=MeetingState.PLANNED)
        | Q(state=MeetingState.LINK_FAILED, next_attempt_at__lte=now)
        | Q(state=MeetingState.WAITING_QUOTA, next_attempt_at__lte=now)
        | Q(state=MeetingState.CREATING, lease_until__lt=now)
    )


def claim(meeting_id: int) -> Meeting | None:
    """Take the meeting for this worker, or None when it is not due or someone has it."""
    now = timezone.now()
    meeting = Meeting.objects.filter(pk=meeting_id).filter(claimable()).first()
    if meeting is None:
        return None
    updated = (
        Meeting.objects.filter(pk=meeting_id, state=meeting.state, attempts=meeting.attempts)
        .filter(claimable())
        .update(
            state=MeetingState.CREATING,
            lease_until=now + LEASE,
            attempts=meeting.attempts + 1,
            updated_at=now,
        )
    )
    if not updated:
        return None
    meeting.refresh_from_db()
    return meeting


def spec_for(meeting: Meeting) -> MeetingSpec:
    attendees = tuple(Person(a.email, a.name) for a in meeting.attendees.all())
    host = Person(meeting.host.email, meeting.host.display_name) if meeting.host else None
    return MeetingSpec(
        key=meeting.key,
        title=meeting.title,
        start=meeting.start,
        end=meeting.end,
        timezone=meeting.timezone,
        description=meeting.description,
        host=host,
        attendees=attendees,
        passcode=meeting.passcode,
    )


def _record_success(meeting: Meeting, attempt: Attempt, info: MeetingInfo) -> None:
    now = timezone.now()
    Attempt.objects.filter(pk=attempt.pk).update(outcome=Attempt.Outcome.OK, finished_at=now)
    meeting.provider_meeting_id = info.meeting_id
    meeting.provider_data = {**dict(info.extra), "conference_id": info.conference_id}
    meeting.lease_until = None
    meeting.next_attempt_at = None
    if info.pending or not info.join_url:
        # The provider made the meeting but has no link yet (a pending Google conference):
        # read it again shortly; a re-read never creates anything.
        meeting.state = MeetingState.LINK_FAILED
        meeting.state_reason = f"{meeting.provider} is still preparing the link"
        meeting.next_attempt_at = now + timedelta(seconds=10)
    else:
        if not meeting.manual_link:
            meeting.join_url = info.join_url
            meeting.passcode = info.passcode or meeting.passcode
        meeting.state = MeetingState.LINKED
        meeting.state_reason = ""
    meeting.save()


def _record_failure(meeting: Meeting, attempt: Attempt, error: ProviderError) -> None:
    now = timezone.now()
    give_up = error.permanent or meeting.attempts >= MAX_ATTEMPTS
    Attempt.objects.filter(pk=attempt.pk).update(
        outcome=Attempt.Outcome.FAILED if give_up else Attempt.Outcome.RETRY,
        finished_at=now,
        error=error.message[:2000],
        status_code=error.status,
    )
    meeting.lease_until = None
    if isinstance(error, AuthenticationError):
        meeting.state = MeetingState.WAITING_CONNECTION
        meeting.state_reason = f"{error.message}; reconnect the account to continue"
        meeting.next_attempt_at = None
    elif isinstance(error, QuotaExhausted):
        meeting.state = MeetingState.WAITING_QUOTA
        meeting.state_reason = error.message
        meeting.next_attempt_at = now + timedelta(seconds=error.retry_after or 3600)
    elif give_up:
        meeting.state = MeetingState.LINK_FAILED
        meeting.state_reason = (
            error.message
            if error.permanent
            else f"{error.message} (gave up after {meeting.attempts} attempts)"
        )
        meeting.next_attempt_at = None
    else:
        meeting.state = MeetingState.LINK_FAILED
        meeting.state_reason = error.message
        meeting.next_attempt_at = now + retry_delay(meeting.attempts, error.retry_after)
    meeting.save()


def create_link(meeting_id: int) -> None:
    meeting = claim(meeting_id)
    if meeting is None:
        return
    meeting = Meeting.objects.select_related("host", "connection", "contact", "action").get(
        pk=meeting.pk
    )
    attempt = Attempt.objects.create(meeting=meeting, operation="create")
    try:
        provider = build_provider(
            meeting.provider, meeting.connection, meeting.host.email if meeting.host else None
        )
        try:
            if meeting.provider_meeting_id:
                info = provider.refresh_info(meeting.provider_meeting_id)
            else:
                info = provider.create(spec_for(meeting), reconcile=meeting.attempts > 1)
        finally:
            provider.close()
    except ProviderError as error:
        log.info("meeting %s: %s failed: %s", meeting.pk, meeting.provider, error.message)
        _record_failure(meeting, attempt, error)
        return
    except Exception as exc:  # a bug or an unmapped failure: keep the meeting, retry later
        log.exception("meeting %s: unexpected error creating the link", meeting.pk)
        _record_failure(
            meeting,
            attempt,
            ProviderError(f"unexpected error: {type(exc).__name__}", permanent=False),
        )
        return
    _record_success(meeting, attempt, info)
    if meeting.state == MeetingState.LINKED and meeting.send_invitations:
        deliver(meeting)
