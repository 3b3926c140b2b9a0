"""Bringing the provider, and the invitations, in step with a meeting row.

The row says what should be (times, title, cancelled or not, `sequence`); `remote_sequence`
says what the provider has. One `sync_meeting` call makes one step towards it:

    cancel requested, remote exists  -> provider cancel, then METHOD:CANCEL invitations
    no remote meeting (and no manual link) -> provider create (reconcile on a retry)
    created but no link yet (pending) -> read it again
    remote older than the row        -> provider update, then invitations with SEQUENCE+1
    linked, invitations not sent      -> send them

Every provider call is paced through the meeting's lane, counted against daily caps,
recorded as an Attempt before it is made, and idempotent by the meeting's key. Failures
keep the meeting with its reason: retried with backoff, parked until a reconnect, or
waiting for the quota to reset.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone

from convener.connections.factory import build_provider
from convener.meetings import pacing
from convener.meetings.backoff import max_attempts, retry_delay
from convener.meetings.invitations.delivery import Round, deliver
from convener.meetings.invitations.failures import max_attempts as max_invitation_attempts
from convener.meetings.invitations.failures import retry_delay as invitation_retry_delay
from convener.meetings.models import Attempt, Attendee, Meeting, MeetingState
from convener.meetings.notices import notify_link_failed
from convener.providers.base import (
    AuthenticationError,
    CapabilityMissing,
    MeetingGone,
    MeetingInfo,
    MeetingSpec,
    Person,
    Provider,
    ProviderError,
    QuotaExhausted,
    RateLimited,
)
from convener.providers.registry import provider_class

log = logging.getLogger(__name__)


def lease() -> timedelta:
    return timedelta(seconds=float(settings.LEASE_SECONDS))


def unleased(now: datetime, *, via: str = "") -> Q:
    """Meetings nobody holds: no lease, or one that ran out (its worker died). `via` is
    the path to the meeting from another model ("meeting__")."""
    return Q(**{f"{via}lease_until__isnull": True}) | Q(**{f"{via}lease_until__lt": now})


def lane_for(provider: str, connection_id: int | None) -> str:
    return f"connection:{connection_id}" if connection_id else f"provider:{provider}"


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


def next_operation(meeting: Meeting) -> str | None:
    if meeting.cancel_requested:
        if meeting.provider_meeting_id and meeting.remote_sequence >= 0:
            return "cancel"
        if not meeting.provider_meeting_id and _create_may_have_landed(meeting):
            return "cancel"  # look for what that create made, and remove it
        return "cancelled" if meeting.state != MeetingState.CANCELLED else None
    if not meeting.provider_meeting_id and not meeting.manual_link:
        return "create"
    if meeting.provider_meeting_id and not meeting.join_url:
        return "refresh"
    if meeting.provider_meeting_id and meeting.remote_sequence < meeting.sequence:
        return "update"
    if meeting.state == MeetingState.LINKED and meeting.send_invitations:
        return "invite"
    return None


def _create_may_have_landed(meeting: Meeting) -> bool:
    """A create was sent but never answered with an id (its answer lost, or refused in a
    way that may have come after the provider made it), and no cancel has looked since."""
    if not meeting.attempt_log.filter(operation="create").exists():
        return False
    looked = meeting.attempt_log.filter(operation="cancel", outcome=Attempt.Outcome.OK)
    return not looked.exists()


def _rate(meeting: Meeting) -> float | None:
    if meeting.connection is not None and meeting.connection.requests_per_second:
        return meeting.connection.requests_per_second
    return provider_class(meeting.provider).capabilities.requests_per_second


def _quota_host(meeting: Meeting) -> str:
    if meeting.host is not None and meeting.host.email:
        return meeting.host.email
    if meeting.connection is not None:
        return meeting.connection.account_email or str(meeting.connection.pk)
    return "-"


def _finish(meeting: Meeting, *, due_in: float | None = None) -> None:
    """Release the lease; schedule the next step (or none)."""
    meeting.lease_until = None
    meeting.next_attempt_at = (
        timezone.now() + timedelta(seconds=due_in) if due_in is not None else None
    )
    meeting.save()


def _call(
    meeting: Meeting, provider: Provider, operation: str, *, tried_before: bool
) -> MeetingInfo | None:
    if operation == "create":
        return provider.create(spec_for(meeting), reconcile=tried_before)
    if operation == "refresh":
        return provider.refresh_info(meeting.provider_meeting_id)
    if operation == "update":
        return provider.update(meeting.provider_meeting_id, spec_for(meeting))
    remote_id = meeting.provider_meeting_id or _find_unanswered(meeting, provider)
    if remote_id:
        provider.cancel(remote_id)
    return None


def _find_unanswered(meeting: Meeting, provider: Provider) -> str | None:
    """What a create that was never answered made, for a cancel to remove."""
    try:
        return provider.find(spec_for(meeting))
    except CapabilityMissing:
        log.warning(
            "meeting %s: %s cannot look up what an unanswered create made; if it made a "
            "meeting, remove it at the provider",
            meeting.pk,
            meeting.provider,
        )
        return None


def _apply(meeting: Meeting, operation: str, info: MeetingInfo | None) -> None:
    if operation == "cancel":
        meeting.remote_sequence = -1  # nothing at the provider any more
        return
    assert info is not None
    meeting.provider_meeting_id = info.meeting_id
    meeting.provider_data = {**dict(info.extra), "conference_id": info.conference_id}
    if operation in {"create", "update"}:
        # The provider holds this version now, even while its link is still pending. A
        # refresh only reads the link: it must not mark a pending update as done.
        meeting.remote_sequence = meeting.sequence
    if info.pending or not info.join_url:
        # Made, but no link yet (a pending Google conference): read it again soon.
        meeting.state = MeetingState.LINK_FAILED
        meeting.state_reason = f"{meeting.provider} is still preparing the link"
        return
    if not meeting.manual_link:
        meeting.join_url = info.join_url
        meeting.passcode = info.passcode or meeting.passcode
    meeting.state = MeetingState.LINKED
    meeting.state_reason = ""


def _fail(meeting: Meeting, attempt: Attempt, error: ProviderError, operation: str) -> float | None:
    """Record a failure; returns seconds until the next try (None: not on its own)."""
    give_up = error.permanent or meeting.attempts >= max_attempts()
    Attempt.objects.filter(pk=attempt.pk).update(
        outcome=Attempt.Outcome.FAILED if give_up else Attempt.Outcome.RETRY,
        finished_at=timezone.now(),
        error=error.message[:2000],
        status_code=error.status,
    )
    if isinstance(error, MeetingGone) and operation == "update":
        # Deleted at the provider behind our back: make it again, with a new link.
        meeting.provider_meeting_id = ""
        meeting.join_url = "" if not meeting.manual_link else meeting.join_url
        meeting.remote_sequence = -1
        meeting.state_reason = "the meeting was deleted at the provider; making it again"
        return 0.0
    if isinstance(error, AuthenticationError):
        meeting.state = MeetingState.WAITING_CONNECTION
        meeting.state_reason = f"{error.message}; reconnect the account to continue"
        return None
    if isinstance(error, QuotaExhausted):
        meeting.state = MeetingState.WAITING_QUOTA
        meeting.state_reason = error.message
        return error.retry_after or 3600.0
    if give_up:
        meeting.state = MeetingState.LINK_FAILED
        meeting.state_reason = (
            error.message
            if error.permanent
            else f"{error.message} (gave up after {meeting.attempts} attempts)"
        )
        if operation == "create":
            notify_link_failed(meeting)
        return None
    if operation == "create":
        meeting.state = MeetingState.LINK_FAILED
    meeting.state_reason = error.message
    return retry_delay(meeting.attempts, error.retry_after).total_seconds()


def _provider_step(meeting: Meeting, operation: str) -> None:
    kind = provider_class(meeting.provider)
    if meeting.connection is None and kind.capabilities.needs_connection:
        # Its connection was removed: wait for a new one (resume_waiting_meetings takes the
        # meeting over), without spending a pacing slot, a daily write or an attempt.
        meeting.state = MeetingState.WAITING_CONNECTION
        meeting.state_reason = (
            f"the {kind.name} connection was removed; connect an account to continue"
        )
        _finish(meeting)
        return
    lane = meeting.lane
    blocked = pacing.known_wait(lane)
    if blocked > 0:
        # Paused or booked further ahead than a worker sleeps: give it back unchanged.
        _finish(meeting, due_in=blocked)
        return
    cap = kind.capabilities.daily_writes_per_host
    counted = cap is not None and operation in {"create", "update"}
    host = _quota_host(meeting)
    if counted and not pacing.take_daily(lane, host, cap or 0):
        meeting.state = MeetingState.WAITING_QUOTA
        meeting.state_reason = (
            f"{meeting.provider}: {cap} creates and updates a day for {host} are used; "
            "waiting for quota until 00:00 UTC"
        )
        _finish(meeting, due_in=(pacing.next_utc_midnight() - timezone.now()).total_seconds())
        return
    state_before = meeting.state
    meeting.attempts += 1
    if operation == "create" and meeting.state != MeetingState.CREATING:
        meeting.state = MeetingState.CREATING
    meeting.save(update_fields=["attempts", "state", "updated_at"])
    # Any earlier create attempt may have reached the provider (its answer lost): then the
    # provider must look for that meeting before making one. Decided from the attempt log,
    # not a counter, so nothing that resets the counter can ever cause a duplicate.
    tried_before = operation == "create" and meeting.attempt_log.filter(operation="create").exists()
    attempt = Attempt.objects.create(meeting=meeting, operation=operation)
    # The pacing slot is taken last, just before the call. The writes above can wait for
    # the database; between the paced moment and the request they would let requests
    # leave bunched together, and a provider counting calls per second refuses the bunch.
    wait = pacing.reserve(lane, _rate(meeting))
    if wait is None:
        # Another worker booked the lane ahead meanwhile: nothing was sent, so undo what
        # this attempt charged and give the meeting back with a due time.
        attempt.delete()
        if counted:
            pacing.give_back_daily(lane, host)
        meeting.attempts -= 1
        meeting.state = state_before
        _finish(meeting, due_in=max(0.05, pacing.known_wait(lane)))
        return
    if wait > 0:
        time.sleep(wait)
    try:
        provider = build_provider(
            meeting.provider, meeting.connection, meeting.host.email if meeting.host else None
        )
        try:
            info = _call(meeting, provider, operation, tried_before=tried_before)
        finally:
            provider.close()
    except ProviderError as error:
        if isinstance(error, MeetingGone) and operation == "cancel":
            info = None  # already gone counts as cancelled
        else:
            log.info("meeting %s: %s %s failed: %s", meeting.pk, meeting.provider, operation, error)
            if counted and isinstance(error, RateLimited | AuthenticationError):
                # Zoom counts the writes it carried out: a 429, or a token refused before
                # or at the call, made none. Charging them parks a reconnected host's
                # remaining meetings until midnight.
                pacing.give_back_daily(lane, host)
            if isinstance(error, RateLimited):
                pacing.pause(lane, error.retry_after or pacing.DEFAULT_PAUSE_SECONDS)
                meeting.attempts -= 1  # slowing down is not the meeting's failure
            if isinstance(error, QuotaExhausted) and cap:
                pacing.exhaust_daily(lane, host, cap)
            if isinstance(error, RateLimited):
                Attempt.objects.filter(pk=attempt.pk).update(
                    outcome=Attempt.Outcome.RETRY,
                    finished_at=timezone.now(),
                    error=error.message[:2000],
                    status_code=error.status,
                )
                _finish(meeting, due_in=error.retry_after or pacing.DEFAULT_PAUSE_SECONDS)
                return
            _finish(meeting, due_in=_fail(meeting, attempt, error, operation))
            return
    except Exception as exc:  # a bug or an unmapped failure: keep the meeting, retry later
        log.exception("meeting %s: unexpected error during %s", meeting.pk, operation)
        unexpected = ProviderError(f"unexpected error: {type(exc).__name__}", permanent=False)
        _finish(meeting, due_in=_fail(meeting, attempt, unexpected, operation))
        return
    Attempt.objects.filter(pk=attempt.pk).update(
        outcome=Attempt.Outcome.OK, finished_at=timezone.now()
    )
    meeting.attempts = 0
    _apply(meeting, operation, info)
    if next_operation(meeting) == "invite":
        # Still under this step's lease: send the invitations now rather than queueing a
        # step for them behind the lane's other work (they need no provider call). Only
        # when inviting is all that is left: a refresh that found the link of a meeting
        # rescheduled meanwhile still owes the provider its update first. The row is
        # saved once, after: a crash before that leaves the create to be retried, which
        # finds the same remote meeting (same link) and the invitations already recorded.
        _invite(meeting)
        return
    # still waiting for a link (a pending conference); a cancel goes on to its emails at once
    pending = operation != "cancel" and meeting.state == MeetingState.LINK_FAILED
    _finish(meeting, due_in=10.0 if pending else 0.0)


def _invite(meeting: Meeting) -> None:
    try:
        invitations = deliver(meeting)
    except Exception as exc:  # e.g. an invitation template that fails to render
        # Keep what the step achieved (the link) and try the invitations again later,
        # instead of letting the lease run out and the provider step be redone; a bounded
        # number of times, since a template that cannot render will not start to.
        log.exception("meeting %s: invitations could not be prepared", meeting.pk)
        meeting.attempts += 1
        error = f"{type(exc).__name__}: {exc}"
        if meeting.attempts >= max_invitation_attempts():
            meeting.state_reason = (
                f"invitations not sent: {error} (gave up after {meeting.attempts} attempts)"
            )[:500]
            _finish(meeting)
            return
        meeting.state_reason = f"invitations not sent yet: {error}"[:500]
        _finish(meeting, due_in=invitation_retry_delay(meeting.attempts))
        return
    if invitations.settled:
        meeting.state = MeetingState.INVITED
        meeting.state_reason = invitations.reason()
        meeting.attempts = 0
    _finish(meeting, due_in=None if invitations.settled else invitations.retry_in)


def sync_meeting(meeting_id: int) -> None:
    """One step for a meeting this worker holds the lease of (see dispatch.claim)."""
    meeting = (
        Meeting.objects.select_related("host", "connection", "contact", "action")
        .prefetch_related(Prefetch("attendees", queryset=Attendee.objects.select_related("user")))
        .get(pk=meeting_id)
    )
    operation = next_operation(meeting)
    if operation is None:
        _finish(meeting)
        return
    if operation == "invite":
        _invite(meeting)
        return
    if operation == "cancelled":
        told = Round()
        if meeting.deliveries.filter(method="REQUEST").exists() and meeting.send_invitations:
            told = deliver(meeting, "CANCEL")
        if not told.settled:
            # Not everyone has the CANCEL yet (SMTP down): stay due and send the rest later;
            # the Delivery rows keep anyone from getting it twice.
            meeting.state_reason = "cancelled; the cancellation emails are waiting to be sent"
            _finish(meeting, due_in=told.retry_in)
            return
        meeting.state = MeetingState.CANCELLED
        meeting.state_reason = f"cancellation {told.reason()}" if told.undeliverable else ""
        _finish(meeting)
        return
    _provider_step(meeting, operation)
