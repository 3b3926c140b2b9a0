"""One provider call for one meeting (`ProviderStep`, run through `sync_meeting`), against
a provider whose answers each test chooses.

`build_provider` is replaced by one that hands out a `ScriptedProvider`: it records every
call, and answers each with the next planned failure or else with a meeting and its link.
The meetings are Zoom meetings on a connected account, so the step reads Zoom's
capabilities (a daily cap of 100 creates and updates per host), with the connection's
pace raised so that no test waits for it. The tests check what a person would see
afterwards: the meeting's state and reason, its Attempt rows, when it is tried again,
the emails, and whether the provider was called at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.dispatch import pacing
from convener.dispatch.provider_step import CUT_OFF
from convener.dispatch.sync import sync_meeting
from convener.meetings.models import Attempt, Attendee, DailyQuota, Delivery, Meeting, MeetingState
from convener.meetings.state import Operation, lane_for, next_operation
from convener.providers.base import (
    AuthenticationError,
    Capabilities,
    MeetingGone,
    MeetingInfo,
    MeetingSpec,
    Provider,
    ProviderError,
    QuotaExhausted,
    RateLimited,
)
from convener.team.models import User
from tests.conftest import Inbox
from tests.dates import utc, winter_day

pytestmark = pytest.mark.django_db

HOST = "ann@example.com"  # the `member` fixture, who hosts every meeting here
CONTACT = "bob@example.org"  # the `contact` fixture
OLD_LINK = "https://zoom.example/j/remote-old"


# -- the provider the tests control --------------------------------------------------------


@dataclass
class ScriptedProvider(Provider):
    """Answers each call with the next planned answer (a failure to raise, or a
    MeetingInfo to return) or, with none planned, with success: a create makes
    "remote-1", "remote-2", ... each with its own link."""

    slug = "scripted"
    name = "Scripted"
    capabilities = Capabilities()

    planned: list[MeetingInfo | BaseException] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, key or id)
    reconcile: list[bool] = field(default_factory=list)  # of each create
    found: str | None = None  # what `find` answers
    made: int = 0

    def answer(self, *answers: MeetingInfo | BaseException) -> None:
        self.planned.extend(answers)

    def _next(self, method: str, subject: str) -> MeetingInfo | None:
        self.calls.append((method, subject))
        if not self.planned:
            return None
        planned = self.planned.pop(0)
        if isinstance(planned, BaseException):
            raise planned
        return planned

    def create(self, spec: MeetingSpec, *, reconcile: bool = False) -> MeetingInfo:
        self.reconcile.append(reconcile)
        info = self._next("create", spec.key)
        if info is None:
            self.made += 1
            info = link_of(f"remote-{self.made}")
        return info

    def update(self, meeting_id: str, spec: MeetingSpec) -> MeetingInfo:
        return self._next("update", meeting_id) or link_of(meeting_id)

    def refresh_info(self, meeting_id: str) -> MeetingInfo:
        return self._next("refresh", meeting_id) or link_of(meeting_id)

    def cancel(self, meeting_id: str) -> None:
        self._next("cancel", meeting_id)

    def find(self, spec: MeetingSpec) -> str | None:
        self._next("find", spec.key)
        return self.found


def link_of(meeting_id: str) -> MeetingInfo:
    return MeetingInfo(
        meeting_id=meeting_id, join_url=f"https://zoom.example/j/{meeting_id}", passcode="314159"
    )


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedProvider]:
    scripted = ScriptedProvider()

    def build(
        slug: str, connection: Connection | None, host_email: str | None, **hooks: Any
    ) -> Provider:
        return scripted

    monkeypatch.setattr("convener.dispatch.provider_step.build_provider", build)
    yield scripted
    assert not scripted.planned, "a planned answer was never asked for"


# -- meetings ------------------------------------------------------------------------------


@pytest.fixture
def zoom_account(member: User) -> Connection:
    # The fake takes any pace; Zoom's documented 2 calls a second would only slow the tests.
    return Connection.objects.create(
        provider="zoom",
        level=Connection.Level.USER,
        user=member,
        account_email=HOST,
        requests_per_second=1000,
    )


@dataclass
class MeetingFactory:
    """Meeting rows as scheduling saves them, due now, for the host on their account."""

    host: User
    contact: Contact
    connection: Connection

    def __call__(self, *, invitations: bool = False, **fields: Any) -> Meeting:
        """A Zoom meeting with the contact two weeks ahead, as scheduling saves it;
        `fields` set what the test is about."""
        start = timezone.now() + timedelta(days=14)
        values: dict[str, Any] = {
            "contact": self.contact,
            "host": self.host,
            "provider": "zoom",
            "connection": self.connection,
            "lane": lane_for("zoom", self.connection.pk),
            "title": "Intro call",
            "start": start,
            "end": start + timedelta(minutes=30),
            "timezone": "Europe/Berlin",
            "send_invitations": invitations,
            "next_attempt_at": timezone.now(),
            **fields,
        }
        meeting = Meeting.objects.create(**values)
        Attendee.objects.create(
            meeting=meeting, email=self.contact.email, name="Bob Stone", kind=Attendee.Kind.CONTACT
        )
        return meeting

    def invited(self, **fields: Any) -> Meeting:
        """A meeting made at Zoom and invited, since moved: Zoom has version 0, the row 1."""
        values: dict[str, Any] = {
            "state": MeetingState.INVITED,
            "provider_meeting_id": "remote-old",
            "join_url": OLD_LINK,
            "sequence": 1,
            "remote_sequence": 0,
            **fields,
        }
        return self(**values)


@pytest.fixture
def meeting_of(member: User, contact: Contact, zoom_account: Connection) -> MeetingFactory:
    """Makes the member's Zoom meetings with the contact."""
    return MeetingFactory(member, contact, zoom_account)


# -- running a step and reading what it left -----------------------------------------------


@dataclass
class Step:
    """A meeting after one step, and the clock just before and just after that step."""

    meeting: Meeting
    began: datetime
    ended: datetime

    def due_in(self, low: float, high: float) -> bool:
        """Whether the meeting is next due between `low` and `high` seconds after the
        step (bounded by the clock before and after it, so a slow machine cannot fail it)."""
        due = self.meeting.next_attempt_at
        return due is not None and self.began + timedelta(
            seconds=low
        ) <= due <= self.ended + timedelta(seconds=high)


def step(meeting: Meeting) -> Step:
    """One sync step for the meeting, as a worker holding its lease runs it."""
    began = timezone.now()
    sync_meeting(meeting.pk)
    ended = timezone.now()
    meeting.refresh_from_db()
    return Step(meeting, began, ended)


def attempts_of(meeting: Meeting) -> list[tuple[str, str, str]]:
    """(operation, outcome, error) of each Attempt row, oldest first."""
    rows = meeting.attempt_log.order_by("started_at", "id")
    return [(a.operation, a.outcome, a.error) for a in rows]


def writes_today(meeting: Meeting) -> int:
    return pacing.daily_used(meeting.lane, HOST)


def body(inbox: Inbox, address: str) -> str:
    (message,) = inbox.to(address)
    text = message.get_body(("plain",))
    assert text is not None
    return str(text.get_content())


# -- success -------------------------------------------------------------------------------


def test_a_created_meeting_is_linked_with_the_providers_link_and_an_ok_attempt(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of()

    done = step(meeting).meeting

    assert provider.calls == [("create", meeting.key)]
    assert provider.reconcile == [False]  # a first try: nothing to look for
    assert done.state == MeetingState.LINKED
    assert done.join_url == "https://zoom.example/j/remote-1"
    assert (done.provider_meeting_id, done.passcode) == ("remote-1", "314159")
    assert done.remote_sequence == done.sequence
    assert done.state_reason == ""
    assert done.attempts == 0
    assert next_operation(done) is None  # nothing more to do
    assert attempts_of(done) == [("create", Attempt.Outcome.OK, "")]
    assert done.attempt_log.get().finished_at is not None
    assert writes_today(done) == 1  # counted against the host's daily 100


def test_a_created_meeting_with_invitations_on_goes_on_to_invite_the_contact(
    meeting_of: MeetingFactory, provider: ScriptedProvider, smtp_server: Inbox
) -> None:
    meeting = meeting_of(invitations=True)

    done = step(meeting).meeting

    assert provider.calls == [("create", meeting.key)]  # the invitations need no call
    assert done.state == MeetingState.INVITED, done.state_reason
    assert "Join: https://zoom.example/j/remote-1" in body(smtp_server, CONTACT)
    assert list(done.deliveries.values_list("recipient", "status")) == [
        (CONTACT, Delivery.Status.SENT)
    ]
    assert done.next_attempt_at is None


def test_without_smtp_the_invitations_of_a_created_meeting_wait_in_the_outbox(
    meeting_of: MeetingFactory, provider: ScriptedProvider, settings: Any
) -> None:
    settings.SMTP_HOST = ""
    meeting = meeting_of(invitations=True)

    done = step(meeting).meeting

    assert done.state == MeetingState.INVITED, done.state_reason
    delivery = done.deliveries.get()
    assert (delivery.recipient, delivery.status) == (CONTACT, Delivery.Status.HELD)
    assert "https://zoom.example/j/remote-1" in delivery.text_body


def test_a_retried_create_asks_the_provider_to_look_for_what_the_first_try_made(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of(state=MeetingState.LINK_FAILED, attempts=1)
    Attempt.objects.create(meeting=meeting, operation=Operation.CREATE, outcome="retry")

    done = step(meeting).meeting

    assert provider.reconcile == [True]
    assert done.state == MeetingState.LINKED


def test_a_link_the_provider_is_still_preparing_is_read_again_shortly(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of()
    provider.answer(MeetingInfo(meeting_id="remote-7", join_url="", pending=True))

    waiting = step(meeting)

    assert waiting.meeting.state == MeetingState.LINK_PENDING  # waiting, not failed
    assert "to finish the link" in waiting.meeting.state_reason
    assert waiting.due_in(10, 10)
    assert next_operation(waiting.meeting) == Operation.REFRESH

    done = step(waiting.meeting).meeting

    assert provider.calls == [("create", meeting.key), ("refresh", "remote-7")]
    assert (done.state, done.join_url) == (MeetingState.LINKED, "https://zoom.example/j/remote-7")
    assert writes_today(done) == 1  # reading the link again is no write


# -- rate limits and quotas ----------------------------------------------------------------


def test_a_rate_limit_pauses_the_lane_and_costs_the_meeting_no_attempt_and_no_write(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of()
    provider.answer(
        RateLimited(
            "Zoom rate limit (HTTP 429) while trying to create the meeting; retrying",
            retry_after=30,
            status=429,
        )
    )

    limited = step(meeting)

    assert pacing.known_wait(meeting.lane) > 0  # this process will not claim from the lane
    assert 25 < pacing.wait_hint(meeting.lane) <= 30  # nor will any other
    assert limited.due_in(30, 30)
    assert limited.meeting.attempts == 0
    assert writes_today(limited.meeting) == 0  # Zoom carried out no write: given back
    (attempt,) = limited.meeting.attempt_log.all()
    assert (attempt.operation, attempt.outcome, attempt.status_code) == ("create", "retry", 429)
    assert attempt.error.startswith("Zoom rate limit (HTTP 429)")


def test_a_meeting_on_a_paused_lane_is_given_back_without_calling_the_provider(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    first, second = meeting_of(), meeting_of()
    provider.answer(RateLimited("Zoom rate limit (HTTP 429)", retry_after=30, status=429))
    step(first)

    held = step(second)

    assert provider.calls == [("create", first.key)]
    assert held.meeting.state == MeetingState.PLANNED
    assert not held.meeting.attempt_log.exists()
    assert held.meeting.attempts == 0
    assert held.due_in(25, 30)  # when the pause ends, less what a worker may sleep


def test_a_quota_answer_waits_for_the_quota_and_stops_the_hosts_other_writes(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    first, second = meeting_of(), meeting_of()
    message = "Zoom's daily limit of meeting creates for ann@example.com is reached"
    provider.answer(QuotaExhausted(message, retry_after=7200, status=429))

    waiting = step(first)

    assert waiting.meeting.state == MeetingState.WAITING_QUOTA
    assert waiting.meeting.state_reason == message
    assert waiting.due_in(7200, 7200)
    assert attempts_of(waiting.meeting) == [("create", "retry", message)]
    assert writes_today(waiting.meeting) == 100  # Zoom says so: believed

    also_waiting = step(second).meeting

    assert provider.calls == [("create", first.key)]  # the second never reached Zoom
    assert also_waiting.state == MeetingState.WAITING_QUOTA


def test_waiting_for_quota_does_not_use_up_the_meetings_retries(
    meeting_of: MeetingFactory, provider: ScriptedProvider, settings: Any
) -> None:
    settings.RETRY_MAX_ATTEMPTS = 2
    meeting = meeting_of()
    provider.answer(
        QuotaExhausted("Zoom's daily limit is reached", retry_after=60, status=429),
        ProviderError("Zoom answered HTTP 503; retrying", permanent=False, status=503),
    )
    step(meeting)
    DailyQuota.objects.all().delete()  # the next UTC day

    after_one_error = step(meeting).meeting

    assert after_one_error.next_attempt_at is not None, after_one_error.state_reason
    assert "gave up" not in after_one_error.state_reason


def test_a_create_cut_off_by_a_stopped_worker_gives_its_daily_write_back_and_is_closed(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    # A worker booked the create (an attempt, and one of the host's 100 writes today),
    # then was killed before it wrote the answer: the day is full counting that unit.
    day = winter_day()
    with time_machine.travel(utc(day, 12), tick=False):
        meeting = meeting_of(state=MeetingState.CREATING, attempts=1)
        Attempt.objects.create(meeting=meeting, operation=Operation.CREATE)
        DailyQuota.objects.create(lane=meeting.lane, host=HOST, day=day, used=100)

        done = step(meeting).meeting

        # The unit of the cut-off call came back and paid for this one: whether or not
        # the cut-off call made the meeting, the reconciling create makes it once.
        assert provider.reconcile == [True]
        assert done.state == MeetingState.LINKED
        assert writes_today(done) == 100
    assert attempts_of(done) == [
        ("create", Attempt.Outcome.RETRY, CUT_OFF),
        ("create", Attempt.Outcome.OK, ""),
    ]


def test_a_cut_off_call_from_an_earlier_utc_day_gives_its_unit_back_to_that_day(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    day = winter_day()
    with time_machine.travel(utc(day, 23, 59) + timedelta(seconds=59), tick=False):
        meeting = meeting_of(state=MeetingState.CREATING, attempts=1)
        Attempt.objects.create(meeting=meeting, operation=Operation.CREATE)
        DailyQuota.objects.create(lane=meeting.lane, host=HOST, day=day, used=100)
    with time_machine.travel(utc(winter_day(1), 0) + timedelta(seconds=1), tick=False):
        done = step(meeting).meeting
        assert writes_today(done) == 1
    assert DailyQuota.objects.get(day=day).used == 99
    assert done.state == MeetingState.LINKED


def test_a_used_daily_cap_waits_until_midnight_utc_without_calling_the_provider(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    day = winter_day()
    with time_machine.travel(utc(day, 23, 59) + timedelta(seconds=30), tick=False):
        meeting = meeting_of(
            start=utc(day, 9) + timedelta(days=14), end=utc(day, 10) + timedelta(days=14)
        )
        DailyQuota.objects.create(lane=meeting.lane, host=HOST, day=day, used=100)

        waiting = step(meeting).meeting

    assert provider.calls == []
    assert waiting.state == MeetingState.WAITING_QUOTA
    assert "100 creates and updates a day for ann@example.com are used" in waiting.state_reason
    assert waiting.state_reason.endswith("waiting for quota until 00:00 UTC")
    assert waiting.next_attempt_at == utc(winter_day(1), 0)
    assert not waiting.attempt_log.exists()
    assert waiting.attempts == 0


def test_a_used_daily_cap_names_the_provider_as_people_know_it(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of()
    pacing.exhaust_daily(meeting.lane, HOST, 100)

    waiting = step(meeting).meeting

    assert waiting.state_reason.startswith("Zoom: "), waiting.state_reason


def test_a_cancel_goes_through_when_the_days_writes_are_used(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of.invited(cancel_requested=True)
    pacing.exhaust_daily(meeting.lane, HOST, 100)

    done = step(meeting).meeting

    assert provider.calls == [("cancel", "remote-old")]
    assert next_operation(done) == Operation.ANNOUNCE_CANCELLATION


# -- refused credentials and removed connections -------------------------------------------


def test_refused_credentials_park_the_meeting_until_the_account_is_reconnected(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of()
    provider.answer(AuthenticationError("Zoom refused the access token (HTTP 401)", status=401))

    parked = step(meeting).meeting

    assert parked.state == MeetingState.WAITING_CONNECTION
    assert parked.state_reason == (
        "Zoom refused the access token (HTTP 401); reconnect the account to continue"
    )
    assert parked.next_attempt_at is None  # not retried on its own: a reconnect resumes it
    assert attempts_of(parked) == [("create", "failed", "Zoom refused the access token (HTTP 401)")]
    assert writes_today(parked) == 0  # a refused token made no write: given back


def test_refused_credentials_say_to_reconnect_once(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of()
    provider.answer(
        AuthenticationError(
            "Zoom refused the access token (HTTP 401); reconnect the Zoom account", status=401
        )
    )

    parked = step(meeting).meeting

    assert parked.state_reason.count("reconnect") == 1, parked.state_reason


def test_a_meeting_whose_connection_was_removed_waits_without_spending_an_attempt(
    meeting_of: MeetingFactory, provider: ScriptedProvider, zoom_account: Connection
) -> None:
    meeting = meeting_of()
    zoom_account.delete()

    waiting = step(meeting).meeting

    assert provider.calls == []
    assert waiting.state == MeetingState.WAITING_CONNECTION
    assert waiting.state_reason == "the Zoom connection was removed; connect an account to continue"
    assert waiting.next_attempt_at is None
    assert waiting.attempts == 0
    assert not waiting.attempt_log.exists()
    assert writes_today(waiting) == 0


def test_a_meeting_at_a_provider_that_needs_no_account_is_made_without_a_connection(
    provider: ScriptedProvider,
) -> None:
    start = timezone.now() + timedelta(days=14)
    meeting = Meeting.objects.create(
        provider="jitsi",
        lane=lane_for("jitsi", None),
        title="Open call",
        start=start,
        end=start + timedelta(minutes=30),
        timezone="Europe/Berlin",
        send_invitations=False,
    )

    done = step(meeting).meeting

    assert provider.calls == [("create", meeting.key)]
    assert (done.state, done.join_url) == (MeetingState.LINKED, "https://zoom.example/j/remote-1")


# -- failures ------------------------------------------------------------------------------


def test_a_permanent_refusal_of_a_create_fails_the_link_with_the_providers_message(
    meeting_of: MeetingFactory, provider: ScriptedProvider, smtp_server: Inbox
) -> None:
    meeting = meeting_of()
    message = "Zoom refused to create the meeting: the topic is too long (HTTP 400)"
    provider.answer(ProviderError(message, permanent=True, status=400))

    failed = step(meeting).meeting

    assert provider.calls == [("create", meeting.key)]  # and not again
    assert failed.state == MeetingState.LINK_FAILED
    assert failed.state_reason == message
    assert failed.next_attempt_at is None
    assert attempts_of(failed) == [("create", "failed", message)]
    assert failed.attempt_log.get().status_code == 400
    # The host hears of it once, with the reason.
    (notice,) = smtp_server.to(HOST)
    assert str(notice["Subject"]) == "No meeting link for “Intro call”"
    assert message in body(smtp_server, HOST)


def test_a_transient_failure_of_a_create_is_retried_with_backoff(
    meeting_of: MeetingFactory, provider: ScriptedProvider, settings: Any
) -> None:
    settings.RETRY_BASE_SECONDS = 60
    meeting = meeting_of()
    message = "Zoom answered HTTP 503 while trying to create the meeting; retrying"
    provider.answer(ProviderError(message, permanent=False, status=503))

    failed = step(meeting)

    assert failed.meeting.state == MeetingState.LINK_FAILED
    assert failed.meeting.state_reason == message
    assert failed.due_in(30, 60)  # the first retry: half to all of the base delay
    assert failed.meeting.attempts == 1
    assert attempts_of(failed.meeting) == [("create", "retry", message)]


def test_a_transient_failure_is_never_retried_sooner_than_the_provider_asks(
    meeting_of: MeetingFactory, provider: ScriptedProvider, settings: Any
) -> None:
    settings.RETRY_BASE_SECONDS = 60
    meeting = meeting_of()
    provider.answer(ProviderError("Zoom is down", permanent=False, retry_after=900, status=503))

    assert step(meeting).due_in(900, 900)


def test_a_transient_failure_on_the_last_attempt_gives_up_and_says_how_often_it_tried(
    meeting_of: MeetingFactory, provider: ScriptedProvider, settings: Any
) -> None:
    settings.RETRY_MAX_ATTEMPTS = 3
    meeting = meeting_of(state=MeetingState.LINK_FAILED, attempts=2)
    provider.answer(ProviderError("Zoom answered HTTP 503", permanent=False, status=503))

    failed = step(meeting).meeting

    assert failed.state == MeetingState.LINK_FAILED
    assert failed.state_reason == "Zoom answered HTTP 503 (gave up after 3 attempts)"
    assert failed.next_attempt_at is None
    assert attempts_of(failed) == [("create", "failed", "Zoom answered HTTP 503")]


def test_a_transient_failure_of_an_update_keeps_the_link_and_tries_the_update_again(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of.invited()
    provider.answer(ProviderError("Zoom answered HTTP 502", permanent=False, status=502))

    failed = step(meeting)

    assert provider.calls == [("update", "remote-old")]
    assert (failed.meeting.state, failed.meeting.join_url) == (MeetingState.INVITED, OLD_LINK)
    assert failed.meeting.state_reason == "Zoom answered HTTP 502"
    assert failed.meeting.next_attempt_at is not None
    assert next_operation(failed.meeting) == Operation.UPDATE


def test_a_meeting_deleted_at_the_provider_is_made_again_and_the_contact_gets_the_new_link(
    meeting_of: MeetingFactory, provider: ScriptedProvider, smtp_server: Inbox
) -> None:
    meeting = meeting_of.invited(invitations=True)
    provider.answer(MeetingGone("The Zoom meeting no longer exists (HTTP 404)", status=404))

    gone = step(meeting)

    assert provider.calls == [("update", "remote-old")]
    assert (gone.meeting.provider_meeting_id, gone.meeting.join_url) == ("", "")
    assert gone.meeting.remote_sequence == -1
    assert gone.meeting.state_reason == "the meeting was deleted at the provider; making it again"
    assert gone.due_in(0, 0)  # at once
    assert next_operation(gone.meeting) == Operation.CREATE

    remade = step(gone.meeting).meeting

    assert provider.calls[1:] == [("create", meeting.key)]
    assert remade.state == MeetingState.INVITED, remade.state_reason
    assert remade.join_url == "https://zoom.example/j/remote-1"
    assert "Join: https://zoom.example/j/remote-1" in body(smtp_server, CONTACT)
    assert [(op, outcome) for op, outcome, _ in attempts_of(remade)] == [
        ("update", "failed"),
        ("create", "ok"),
    ]


def test_an_unexpected_error_keeps_the_meeting_and_retries_it_without_showing_the_error(
    meeting_of: MeetingFactory,
    provider: ScriptedProvider,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.RETRY_BASE_SECONDS = 60
    meeting = meeting_of()
    provider.answer(KeyError("access_token=abc123"))

    failed = step(meeting)

    assert Meeting.objects.filter(pk=meeting.pk).exists()
    assert failed.meeting.state == MeetingState.LINK_FAILED
    assert failed.meeting.state_reason == "unexpected error: KeyError"
    assert failed.due_in(30, 60)
    assert attempts_of(failed.meeting) == [("create", "retry", "unexpected error: KeyError")]
    assert "unexpected error during create" in caplog.text  # the traceback is in the log


def test_a_call_that_cannot_be_prepared_is_retried_with_the_reason_on_its_attempt(
    meeting_of: MeetingFactory,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The provider object is built once the attempt is on record: a failure there is
    that attempt's outcome, said on the meeting and tried again with backoff, rather than
    a meeting left "creating" until its lease runs out."""
    settings.RETRY_BASE_SECONDS = 60
    meeting = meeting_of()

    def build(*args: Any, **hooks: Any) -> Provider:
        raise KeyError("access_token=abc123")

    monkeypatch.setattr("convener.dispatch.provider_step.build_provider", build)

    failed = step(meeting)

    assert failed.meeting.state == MeetingState.LINK_FAILED
    assert failed.meeting.state_reason == "unexpected error: KeyError"
    assert failed.due_in(30, 60)
    assert failed.meeting.lease_until is None
    assert attempts_of(failed.meeting) == [("create", "retry", "unexpected error: KeyError")]
    assert "abc123" not in failed.meeting.state_reason
    assert writes_today(failed.meeting) == 0, "a call that never left used a daily write"


# -- cancelling ----------------------------------------------------------------------------


def test_a_cancel_removes_the_remote_meeting_then_the_meeting_is_cancelled(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of.invited(cancel_requested=True)

    removed = step(meeting)

    assert provider.calls == [("cancel", "remote-old")]
    assert removed.meeting.remote_sequence == -1
    assert attempts_of(removed.meeting) == [("cancel", "ok", "")]
    assert removed.due_in(0, 0)  # on to the cancellation emails at once

    assert step(removed.meeting).meeting.state == MeetingState.CANCELLED
    assert len(provider.calls) == 1


def test_a_cancel_of_a_meeting_already_deleted_at_the_provider_counts_as_done(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of.invited(cancel_requested=True)
    provider.answer(MeetingGone("The Zoom meeting no longer exists (HTTP 404)", status=404))

    removed = step(meeting).meeting

    assert attempts_of(removed) == [("cancel", "ok", "")]
    assert next_operation(removed) == Operation.ANNOUNCE_CANCELLATION


def test_a_cancel_after_an_unanswered_create_finds_what_it_made_and_removes_it(
    meeting_of: MeetingFactory, provider: ScriptedProvider
) -> None:
    meeting = meeting_of(state=MeetingState.LINK_FAILED, cancel_requested=True)
    Attempt.objects.create(meeting=meeting, operation=Operation.CREATE, outcome="retry")
    provider.found = "remote-lost"

    removed = step(meeting).meeting

    assert provider.calls == [("find", meeting.key), ("cancel", "remote-lost")]
    assert next_operation(removed) == Operation.ANNOUNCE_CANCELLATION
