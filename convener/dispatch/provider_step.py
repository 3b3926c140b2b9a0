"""One provider call for one meeting: create, refresh, update or cancel.

Every call is paced through the meeting's lane, counted against daily caps, recorded as
an Attempt before it is made, and idempotent by the meeting's key. Failures keep the
meeting with its reason: retried with backoff, parked until a reconnect, or waiting for
the quota to reset.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save
from django.utils import timezone

from convener.connections.configuration import provider_settings
from convener.connections.factory import build_provider
from convener.connections.models import Connection
from convener.db import changes
from convener.db.writes import insert_one, update_one
from convener.dispatch import pacing, parking
from convener.dispatch.announce import invite
from convener.dispatch.backoff import max_attempts, retry_delay
from convener.dispatch.release import release, save_held
from convener.dispatch.request_pacing import StepPacer
from convener.invitations.notices import notify_link_failed
from convener.meetings.models import Attempt, Meeting, MeetingState
from convener.meetings.state import COUNTED_WRITES, Operation, lease, next_operation
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

# What an attempt cut off by a stopped worker says in the meeting's history.
CUT_OFF = "no answer recorded: the worker stopped during this call"

# What recording an attempt changes in the meeting's row.
_RECORDED = ("attempts", "state", "updated_at")

# Stands for a meeting no longer there: it matches no lease.
_GONE = object()


def held_leases(meeting_ids: list[int]) -> dict[int, datetime | None]:
    """The meetings' current leases, their rows locked until the transaction ends: an
    answer is written only under the lease it was asked under (`ProviderStep.still_held`)."""
    # Locked in one order everywhere, so that two batches never wait on each other's rows.
    rows = Meeting.objects.select_for_update().filter(pk__in=meeting_ids).order_by("pk")
    return dict(rows.values_list("pk", "lease_until"))


def renew_held(meetings: list[Meeting]) -> list[Meeting]:
    """Of `meetings` (loaded after their claim), those whose lease is still the one they
    were claimed under, with their leases renewed from now: a step's lease then covers it
    from its beginning, however long the meeting waited in the worker after its claim. A
    meeting whose lease ran out meanwhile and was claimed by another worker is left to
    it. Inside the transaction that begins the steps (the rows stay locked until then)."""
    leases = held_leases([meeting.pk for meeting in meetings])
    mine = [
        meeting
        for meeting in meetings
        if meeting.lease_until is not None and leases.get(meeting.pk, _GONE) == meeting.lease_until
    ]
    if mine:
        until = timezone.now() + lease()
        Meeting.objects.filter(pk__in=[meeting.pk for meeting in mine]).update(lease_until=until)
        for meeting in mine:
            meeting.lease_until = until
            changes.remember(meeting, ["lease_until"])
    return mine


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


@dataclass(frozen=True)
class CallOutcome:
    """What a provider call came back with: its info, or the error it raised."""

    info: MeetingInfo | None = None
    error: Exception | None = None


# Where `sync.load` puts each meeting's `earlier_attempts`.
EARLIER_ATTEMPTS = "earlier_attempts"


def earlier_attempts(attempts: QuerySet[Attempt]) -> QuerySet[Attempt]:
    """The attempts a provider step must know of before its call: those left without an
    answer, and every create (a create tried before reconciles first)."""
    return attempts.filter(Q(outcome=Attempt.Outcome.PENDING) | Q(operation=Operation.CREATE)).only(
        "pk", "meeting_id", "operation", "outcome", "started_at"
    )


@dataclass
class ProviderStep:
    """The call `operation` for `meeting`, which this worker holds the lease of."""

    meeting: Meeting
    operation: Operation
    # Set by a worker that sends the invitations after its transaction commits: a linked
    # meeting is saved and added here instead of being invited at once.
    invite_after: list[Meeting] | None = None
    # Set by a worker that marks the succeeded attempts of a batch in one write.
    succeeded_attempts: list[int] | None = None
    # How far ahead the step may book its pacing slot: as far as a thread sleeps, or less
    # for a worker holding its calls on an event loop (see pacing.AHEAD_SECONDS).
    ahead: float = pacing.MAX_SLEEP_SECONDS
    # When the worker claimed the meeting (monotonic), and how long its call took on the
    # event loop: what the meeting waited in the worker is the rest (`dispatch.holding`).
    claimed_at: float = 0.0
    call_seconds: float = 0.0

    def __post_init__(self) -> None:
        self.kind = provider_class(self.meeting.provider)
        self.lane = self.meeting.lane
        self.cap = self.kind.capabilities.daily_writes_per_host
        self.counted = self.cap is not None and self.operation in COUNTED_WRITES
        self.host = _quota_host(self.meeting)
        connection = self.meeting.connection
        # The (re)connection this step judges the account by (see dispatch.parking).
        self.seen_connected_at = connection.connected_at if connection is not None else None
        # The least time between two calls of the lane (see flight.Flight.departed).
        self.spacing = pacing.interval(_rate(self.meeting))

    def run(self) -> None:
        """The whole step on this thread (tests, one-off commands, `drain`)."""
        wait = self.begin()
        if wait is None:
            return
        self.prepare()
        if wait > 0:
            time.sleep(wait)
        self.land(self.call())

    def land(self, outcome: CallOutcome) -> None:
        """Write the call's outcome, if the step still holds the meeting."""
        with transaction.atomic():
            if self.still_held(held_leases([self.meeting.pk])):
                self.finish(outcome)

    def still_held(self, leases: dict[int, datetime | None]) -> bool:
        """Whether the lease this step ran under is still the meeting's (`leases`: the
        meetings' current leases, read under lock). An answer that lands after it ran
        out is not written: another worker may hold the meeting by now, and this
        step's view of it is stale. The meeting runs again under the newer lease."""
        meeting = self.meeting
        if leases.get(meeting.pk, _GONE) == meeting.lease_until:
            return True
        log.warning(
            "meeting %s: the answer to its %s came after its lease ran out; left to the "
            "step that holds it now",
            meeting.pk,
            self.operation,
        )
        return False

    def begin(self) -> float | None:
        """Everything before the call that writes, on a thread that may use the database:
        the reasons not to make it, the attempt recorded, the pacing slot. Returns the
        seconds to wait before `call` (after `prepare`), or None when the step ended here."""
        if self._connection_removed() or self._connection_waiting() or self._lane_blocked():
            return None
        # Before the daily unit is taken: a call cut off by a kill gives its unit back.
        tried_before = self._settle_cut_off()
        if self._daily_cap_used():
            return None
        self.attempt, self.tried_before = self._record_attempt(), tried_before
        # The pacing slot is taken last, just before the call. The writes above can wait
        # for the database; between the paced moment and the request they would let
        # requests leave bunched together, and a provider counting calls per second
        # refuses the bunch.
        wait = pacing.reserve(self.lane, _rate(self.meeting), max_sleep=self.ahead)
        if wait is None:
            self._give_back(self.attempt)
            return None
        return wait

    def prepare(self) -> None:
        """What the call needs, made once `begin`'s transaction has committed: the meeting
        as the provider is told it, and the provider object. Not in the transaction: on
        SQLite it holds the write lock, which every other writer waits for. Not in `call`:
        the attendees and the connection's grant may need the database, which the
        worker's event loop must never wait for. A failure becomes the call's outcome,
        written on the attempt like the provider's own errors."""
        self.provider: Provider | None = None
        self.build_error: Exception | None = None
        try:
            self.spec = spec_for(self.meeting)
            self.provider = self._build()
        except Exception as error:
            self.build_error = error

    def call(self) -> CallOutcome:
        """The provider call itself: no database work of its own (token renewals and
        further pacing slots go through `bridge.blocking`), so the worker can run it on
        its event loop. Never raises: the outcome is handed to `finish`."""
        if self.provider is None:
            assert self.build_error is not None
            return CallOutcome(error=self.build_error)
        try:
            return CallOutcome(info=self._call(self.provider, self.tried_before))
        except Exception as exc:
            return CallOutcome(error=exc)
        finally:
            self.provider.close()

    def finish(self, outcome: CallOutcome) -> None:
        """Everything after the call, on a thread that may use the database, in a
        transaction that has checked `still_held`."""
        attempt, error = self.attempt, outcome.error
        if error is None:
            self._succeeded(attempt, outcome.info)
        elif isinstance(error, ProviderError):
            self._failed(attempt, error)
        else:  # a bug or an unmapped failure: keep the meeting, retry later
            log.error(
                "meeting %s: unexpected error during %s",
                self.meeting.pk,
                self.operation,
                exc_info=error,
            )
            if self.counted and self.provider is None:
                # It failed while being prepared: no request left, so no write was made.
                pacing.give_back_daily(self.lane, self.host)
            unexpected = ProviderError(f"unexpected error: {type(error).__name__}", permanent=False)
            release(self.meeting, due_in=self._record_failure(attempt, unexpected))

    # Before the call: reasons not to make it.

    def _connection_removed(self) -> bool:
        meeting = self.meeting
        if meeting.connection is not None or not self.kind.capabilities.needs_connection:
            return False
        # Wait for a new connection (resuming after a reconnect takes the meeting over),
        # without spending a pacing slot, a daily write or an attempt.
        meeting.state = MeetingState.WAITING_CONNECTION
        meeting.state_reason = (
            f"the {self.kind.name} connection was removed; connect an account to continue"
        )
        release(meeting)
        return True

    def _connection_waiting(self) -> bool:
        """The account needs reconnecting: park the meeting on it without spending a
        pacing slot, a daily write or an attempt (a meeting asked for during an outage
        waits here until the reconnect). Judged on the row as it is now, under its lock:
        the row this step loaded may predate a reconnect."""
        connection = self.meeting.connection
        if connection is None or connection.status == Connection.Status.ACTIVE:
            return False
        fresh = parking.park(
            self.meeting, None, seen_connected_at=self.seen_connected_at, refused=False
        )
        if fresh is None:
            return True
        self.meeting.connection = fresh
        self.seen_connected_at = fresh.connected_at
        return False

    def _lane_blocked(self) -> bool:
        blocked = pacing.known_wait(self.lane)
        if blocked > 0:
            # Paused or booked further ahead than a worker sleeps: give it back unchanged.
            release(self.meeting, due_in=blocked)
            return True
        return False

    def _daily_cap_used(self) -> bool:
        if not self.counted or pacing.take_daily(self.lane, self.host, self.cap or 0):
            return False
        meeting = self.meeting
        meeting.state = MeetingState.WAITING_QUOTA
        meeting.state_reason = (
            f"{self.kind.name}: {self.cap} creates and updates a day for {self.host} are "
            "used; waiting for quota until 00:00 UTC"
        )
        release(meeting, due_in=(pacing.next_utc_midnight() - timezone.now()).total_seconds())
        return True

    def _settle_cut_off(self) -> bool:
        """Close the attempts a stopped worker left without an answer, and say whether a
        create was ever tried before (one query for both).

        Any earlier create attempt may have reached the provider (its answer lost): then
        the provider must look for that meeting before making one. Decided from the
        attempt log, not a counter, so nothing that resets the counter can ever cause a
        duplicate.

        An attempt still pending while this step holds the lease was cut off: its worker
        booked the call (and a daily unit) and stopped before writing the answer, often
        before the call even left. Its unit is given back: the create that follows
        reconciles first, so whether or not the cut-off call made the meeting, the two
        together make one write. Without this, each kill of a worker that books its
        lanes ahead spends units nothing used, and a host's meetings wait for midnight."""
        # Read with the batch the meeting was loaded in (`sync.load`), once: the list
        # is stale as soon as this step records its own attempt.
        earlier: list[Attempt] | None = self.meeting.__dict__.pop(EARLIER_ATTEMPTS, None)
        if earlier is None:
            earlier = list(earlier_attempts(Attempt.objects.filter(meeting=self.meeting)))
        cut_off: list[int] = []
        tried_before = False
        for attempt in earlier:
            tried_before = tried_before or attempt.operation == Operation.CREATE
            if attempt.outcome != Attempt.Outcome.PENDING:
                continue
            cut_off.append(attempt.pk)
            if self.cap is not None and attempt.operation in COUNTED_WRITES:
                pacing.give_back_daily(self.lane, self.host, now=attempt.started_at)
        if cut_off:
            Attempt.objects.filter(pk__in=cut_off).update(
                outcome=Attempt.Outcome.RETRY, finished_at=timezone.now(), error=CUT_OFF
            )
        return self.operation == Operation.CREATE and tried_before

    def _record_attempt(self) -> Attempt:
        meeting = self.meeting
        self.state_before = meeting.state
        meeting.attempts += 1
        if self.operation == Operation.CREATE and meeting.state != MeetingState.CREATING:
            meeting.state = MeetingState.CREATING
        # Prepared statements (`db.writes`): compiled each time, these two writes were a
        # tenth of a worker's CPU per meeting. The save's signal still goes out.
        update_one(meeting, _RECORDED, where={})
        post_save.send(
            Meeting,
            instance=meeting,
            created=False,
            update_fields=frozenset(_RECORDED),
            raw=False,
            using=DEFAULT_DB_ALIAS,
        )
        attempt = Attempt(meeting=meeting, operation=self.operation)
        insert_one(attempt)
        return attempt

    def _give_back(self, attempt: Attempt) -> None:
        """Another worker booked the lane ahead meanwhile: nothing was sent, so undo what
        this attempt charged and give the meeting back with a due time."""
        attempt.delete()
        if self.counted:
            pacing.give_back_daily(self.lane, self.host)
        self.meeting.attempts -= 1
        self.meeting.state = self.state_before
        release(self.meeting, due_in=max(0.05, pacing.known_wait(self.lane)))

    # The call.

    def _build(self) -> Provider:
        meeting = self.meeting
        return build_provider(
            meeting.provider,
            meeting.connection,
            meeting.host.email if meeting.host else None,
            before_request=StepPacer(
                self.lane,
                _rate(meeting),
                lease_until=meeting.lease_until,
                timeout=provider_settings().timeout,
                renew=self._renew_lease,
            ),
        )

    def _renew_lease(self) -> datetime | None:
        """Extend the meeting's lease if it is still the one this step holds; its new
        end, or None when another worker holds the meeting now."""
        meeting = self.meeting
        until = timezone.now() + lease()
        held = Meeting.objects.filter(pk=meeting.pk, lease_until=meeting.lease_until)
        if meeting.lease_until is None or not held.update(lease_until=until):
            return None
        meeting.lease_until = until  # what `still_held` checks the answer against
        changes.remember(meeting, ["lease_until"])
        return until

    def _call(self, provider: Provider, tried_before: bool) -> MeetingInfo | None:
        meeting = self.meeting
        if self.operation == Operation.CREATE:
            return provider.create(self.spec, reconcile=tried_before)
        if self.operation == Operation.REFRESH:
            return provider.refresh_info(meeting.provider_meeting_id)
        if self.operation == Operation.UPDATE:
            return provider.update(meeting.provider_meeting_id, self.spec)
        remote_id = meeting.provider_meeting_id or _find_unanswered(meeting, self.spec, provider)
        if remote_id:
            with contextlib.suppress(MeetingGone):  # already gone counts as cancelled
                provider.cancel(remote_id)
        return None

    # After the call.

    def _succeeded(self, attempt: Attempt, info: MeetingInfo | None) -> None:
        meeting = self.meeting
        if self.succeeded_attempts is not None:
            self.succeeded_attempts.append(attempt.pk)
        else:
            Attempt.objects.filter(pk=attempt.pk).update(
                outcome=Attempt.Outcome.OK, finished_at=timezone.now()
            )
        meeting.attempts = 0
        _apply(meeting, self.operation, info)
        following = next_operation(meeting)
        if following == Operation.INVITE:
            # Still under this step's lease: send the invitations now rather than queueing
            # a step for them behind the lane's other work (they need no provider call).
            # Only when inviting is all that is left: a refresh that found the link of a
            # meeting rescheduled meanwhile still owes the provider its update first. The
            # row is saved once, after: a crash before that leaves the create to be
            # retried, which finds the same remote meeting (same link) and the
            # invitations already recorded.
            if self.invite_after is not None:
                save_held(meeting)
                self.invite_after.append(meeting)
                return
            invite(meeting)
            return
        # Still waiting for a link (a pending conference); a cancel goes on to its emails
        # at once.
        pending = self.operation != Operation.CANCEL and meeting.state == MeetingState.LINK_PENDING
        if pending:
            release(meeting, due_in=10.0)
        else:  # with nothing left (invitations off), no empty pass through the queue
            release(meeting, due_in=None if following is None else 0.0)

    def _failed(self, attempt: Attempt, error: ProviderError) -> None:
        meeting = self.meeting
        log.info(
            "meeting %s: %s %s failed: %s", meeting.pk, meeting.provider, self.operation, error
        )
        if self.counted and isinstance(error, RateLimited | AuthenticationError):
            # Zoom counts the writes it carried out: a 429, or a token refused before or
            # at the call, made none. Charging them parks a reconnected host's remaining
            # meetings until midnight.
            pacing.give_back_daily(self.lane, self.host)
        if isinstance(error, QuotaExhausted) and self.cap:
            pacing.exhaust_daily(self.lane, self.host, self.cap)
        if isinstance(error, RateLimited):
            # Slowing down is not the meeting's failure: no attempt is charged.
            pause = error.retry_after or pacing.DEFAULT_PAUSE_SECONDS
            pacing.pause(self.lane, pause)
            meeting.attempts -= 1
            _close_attempt(attempt, Attempt.Outcome.RETRY, error)
            release(meeting, due_in=pause)
            return
        if isinstance(error, AuthenticationError) and meeting.connection_id is not None:
            self._wait_for_reconnect(attempt, error)
            return
        release(meeting, due_in=self._record_failure(attempt, error))

    def _wait_for_reconnect(self, attempt: Attempt, error: AuthenticationError) -> None:
        """Credentials refused: wait for the owner to reconnect the account, unless they
        already have since this step read it (then try again at once)."""
        meeting = self.meeting
        _close_attempt(
            attempt, Attempt.Outcome.FAILED if error.permanent else Attempt.Outcome.RETRY, error
        )
        # The providers' messages mostly say to reconnect already; say it once.
        reason = (
            error.message
            if "reconnect" in error.message
            else f"{error.message}; reconnect the account to continue"
        )
        fresh = parking.park(
            meeting, reason, seen_connected_at=self.seen_connected_at, refused=True
        )
        if fresh is not None:
            if meeting.state == MeetingState.WAITING_CONNECTION:
                meeting.state = MeetingState.PLANNED
            meeting.state_reason = ""
            release(meeting, due_in=0.0)

    def _record_failure(self, attempt: Attempt, error: ProviderError) -> float | None:
        """Record a failure; returns seconds until the next try (None: not on its own)."""
        meeting, operation = self.meeting, self.operation
        if isinstance(error, QuotaExhausted):
            # Waiting for the provider's quota is not the meeting's failure: it must not
            # use up the retries a real error may need later.
            meeting.attempts -= 1
            _close_attempt(attempt, Attempt.Outcome.RETRY, error)
            meeting.state = MeetingState.WAITING_QUOTA
            meeting.state_reason = error.message
            return error.retry_after or 3600.0
        give_up = error.permanent or meeting.attempts >= max_attempts()
        _close_attempt(attempt, Attempt.Outcome.FAILED if give_up else Attempt.Outcome.RETRY, error)
        if isinstance(error, MeetingGone) and operation == Operation.UPDATE:
            # Deleted at the provider behind our back: make it again, with a new link.
            meeting.provider_meeting_id = ""
            meeting.join_url = "" if not meeting.manual_link else meeting.join_url
            meeting.remote_sequence = -1
            meeting.state_reason = "the meeting was deleted at the provider; making it again"
            return 0.0
        if isinstance(error, AuthenticationError):
            meeting.state = MeetingState.WAITING_CONNECTION
            # The providers' messages mostly say to reconnect already; say it once.
            meeting.state_reason = (
                error.message
                if "reconnect" in error.message
                else f"{error.message}; reconnect the account to continue"
            )
            return None
        if give_up:
            meeting.state = MeetingState.LINK_FAILED
            meeting.state_reason = (
                error.message
                if error.permanent
                else f"{error.message} (gave up after {meeting.attempts} attempts)"
            )
            if operation == Operation.CREATE:
                notify_link_failed(meeting)
            return None
        if operation == Operation.CREATE:
            meeting.state = MeetingState.LINK_FAILED
        meeting.state_reason = error.message
        return retry_delay(meeting.attempts, error.retry_after).total_seconds()


def _close_attempt(attempt: Attempt, outcome: str, error: ProviderError) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(
        outcome=outcome,
        finished_at=timezone.now(),
        error=error.message[:2000],
        status_code=error.status,
    )


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


def _find_unanswered(meeting: Meeting, spec: MeetingSpec, provider: Provider) -> str | None:
    """What a create that was never answered made, for a cancel to remove."""
    try:
        return provider.find(spec)
    except CapabilityMissing:
        log.warning(
            "meeting %s: %s cannot look up what an unanswered create made; if it made a "
            "meeting, remove it at the provider",
            meeting.pk,
            meeting.provider,
        )
        return None


def _apply(meeting: Meeting, operation: Operation, info: MeetingInfo | None) -> None:
    if operation == Operation.CANCEL:
        meeting.remote_sequence = -1  # nothing at the provider any more
        return
    assert info is not None
    meeting.provider_meeting_id = info.meeting_id
    meeting.provider_data = {**dict(info.extra), "conference_id": info.conference_id}
    if operation in COUNTED_WRITES:
        # The provider holds this version now, even while its link is still pending. A
        # refresh only reads the link: it must not mark a pending update as done.
        meeting.remote_sequence = meeting.sequence
    if info.pending or not info.join_url:
        # Made, but no link yet (a pending Google conference): read it again soon. A
        # state of its own: nothing has failed, the provider is finishing the link.
        meeting.state = MeetingState.LINK_PENDING
        meeting.state_reason = (
            f"waiting for {provider_class(meeting.provider).name} to finish the link"
        )
        return
    if not meeting.manual_link:
        meeting.join_url = info.join_url
        meeting.passcode = info.passcode or meeting.passcode
    meeting.state = MeetingState.LINKED
    meeting.state_reason = ""
