"""What the worker does outside a batch's transaction. On SQLite that transaction holds the
write lock every other writer waits for (the web pages' saves, the mail threads' records,
the other batches), so what only reads or builds is done before or after it: reading the
batch's meetings, and making each call's provider object."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from convener.connections.factory import build_provider
from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.dispatch.dispatcher import Dispatcher
from convener.dispatch.provider_step import CallOutcome
from convener.dispatch.sync import load
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.state import lane_for
from convener.providers.base import MeetingInfo, MeetingSpec
from convener.providers.bridge import pause
from convener.scheduling.resume import resume_waiting_meetings
from convener.team.models import User
from tests.dispatch.test_provider_step import ScriptedProvider
from tests.dispatch.test_worker_invitations import contacts, schedule, settled, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _zoom_account(member: User) -> Connection:
    # Paced far beyond what a test makes: no call waits for its slot.
    return Connection.objects.create(
        provider="zoom",
        level=Connection.Level.USER,
        user=member,
        account_email=member.email,
        requests_per_second=1000,
    )


def test_a_batch_reads_its_meetings_and_builds_its_providers_outside_its_transaction(
    member: User, monkeypatch: pytest.MonkeyPatch, worker: Dispatcher
) -> None:
    # Whether a transaction was open on the thread each time, by what was done.
    seen: dict[str, list[bool]] = {"load": [], "build": []}

    def watched_load(meeting_ids: list[int]) -> list[Meeting]:
        seen["load"].append(transaction.get_connection().in_atomic_block)
        return load(meeting_ids)

    def watched_build(*args: Any, **hooks: Any) -> Any:
        seen["build"].append(transaction.get_connection().in_atomic_block)
        return build_provider(*args, **hooks)

    monkeypatch.setattr("convener.dispatch.dispatcher.load", watched_load)
    monkeypatch.setattr("convener.dispatch.provider_step.build_provider", watched_build)

    ids = schedule(member, contacts(member, 6))
    wait_for(worker, settled(ids), "the meetings linked")

    assert len(seen["build"]) == len(ids)
    assert seen["load"], "the worker's batches were not read through `load`"
    assert not any(seen["load"]), "a batch was read inside its transaction"
    assert not any(seen["build"]), "a provider was built inside the batch's transaction"


def test_a_reconnect_between_a_batchs_read_and_its_transaction_is_kept(
    member: User,
    contact: Contact,
    monkeypatch: pytest.MonkeyPatch,
    worker: Dispatcher,
) -> None:
    """A meeting whose Zoom connection was removed is read by a batch; before the batch's
    transaction, the host connects Zoom again and the meeting is taken over by the new
    connection. The batch must go on from the row as it is now: from its stale copy it
    would write the meeting back without a connection, waiting for a reconnect that has
    already happened."""
    removed = Connection.objects.create(
        provider="zoom", level=Connection.Level.USER, user=member, account_email=member.email
    )
    start = timezone.now() + timedelta(days=3)
    meeting = Meeting.objects.create(
        contact=contact,
        host=member,
        provider="zoom",
        lane=lane_for("zoom", removed.pk),
        title="Intro call",
        start=start,
        end=start + timedelta(minutes=30),
        timezone="Europe/Berlin",
        send_invitations=False,
        next_attempt_at=timezone.now(),
    )
    removed.delete()  # the meeting's connection is set to null
    provider = ScriptedProvider()
    monkeypatch.setattr(
        "convener.dispatch.provider_step.build_provider", lambda *args, **hooks: provider
    )
    reconnected: list[Connection] = []

    def load_then_reconnect(meeting_ids: list[int]) -> list[Meeting]:
        meetings = load(meeting_ids)
        if not reconnected:
            fresh = _zoom_account(member)
            resume_waiting_meetings(fresh)
            reconnected.append(fresh)
        return meetings

    monkeypatch.setattr("convener.dispatch.dispatcher.load", load_then_reconnect)
    worker.wake(meeting.lane)

    wait_for(worker, lambda: bool(provider.calls), "the meeting made on the new connection")
    wait_for(worker, settled([meeting.pk]), "the meeting linked")
    meeting.refresh_from_db()
    assert meeting.connection_id == reconnected[0].pk
    assert meeting.lane == lane_for("zoom", reconnected[0].pk)
    assert meeting.state != MeetingState.WAITING_CONNECTION


class Staggered(ScriptedProvider):
    """Answers its calls one after another, `gap` seconds apart, as a provider's answers
    come back to a busy worker."""

    gap = 0.05

    def create(self, spec: MeetingSpec, *, reconcile: bool = False) -> MeetingInfo:
        pause(self.gap * (len(self.calls) + 1))
        return super().create(spec, reconcile=reconcile)


def _due_zoom_meetings(member: User, contact: Contact, count: int) -> list[int]:
    account = _zoom_account(member)
    start = timezone.now() + timedelta(days=3)
    with transaction.atomic():  # all due at once: one claim takes them together
        return [
            Meeting.objects.create(
                contact=contact,
                host=member,
                provider="zoom",
                connection=account,
                lane=lane_for("zoom", account.pk),
                title=f"Intro call {index}",
                start=start,
                end=start + timedelta(minutes=30),
                timezone="Europe/Berlin",
                send_invitations=False,
                next_attempt_at=timezone.now(),
            ).pk
            for index in range(count)
        ]


def _written_batches(monkeypatch: pytest.MonkeyPatch, provider: ScriptedProvider) -> list[int]:
    """The size of each batch of outcomes the worker writes from now on."""
    sizes: list[int] = []
    write = Dispatcher._write

    def counted(self: Dispatcher, landings: list[Any]) -> None:
        sizes.append(len(landings))
        write(self, landings)

    monkeypatch.setattr(Dispatcher, "_write", counted)
    monkeypatch.setattr(
        "convener.dispatch.provider_step.build_provider", lambda *args, **hooks: provider
    )
    return sizes


def test_outcomes_that_land_while_other_calls_are_under_way_are_written_together(
    member: User, contact: Contact, monkeypatch: pytest.MonkeyPatch, worker: Dispatcher
) -> None:
    """Four calls answer 50 ms apart. Written as each landed, they made four batches, each
    paying its own transaction; waiting for the others while they are under way, one."""
    monkeypatch.setattr("convener.dispatch.dispatcher.FINISH_GATHER_SECONDS", 1.0)
    provider = Staggered()
    sizes = _written_batches(monkeypatch, provider)
    ids = _due_zoom_meetings(member, contact, worker.lane_concurrency)

    wait_for(worker, settled(ids), "the meetings linked")
    assert len(provider.calls) == len(ids)
    assert sizes == [len(ids)]


def test_a_call_on_its_own_is_written_as_soon_as_it_lands(
    member: User, contact: Contact, monkeypatch: pytest.MonkeyPatch, worker: Dispatcher
) -> None:
    """Nothing else under way: nothing to wait for, so a single meeting's link (and its
    invitations) never waits out the gathering."""
    monkeypatch.setattr("convener.dispatch.dispatcher.FINISH_GATHER_SECONDS", 120.0)
    provider = ScriptedProvider()
    sizes = _written_batches(monkeypatch, provider)
    ids = _due_zoom_meetings(member, contact, 1)

    wait_for(worker, settled(ids), "the meeting linked")  # within 30 s, not 120
    assert sizes == [1]


def _landing(pk: int) -> Any:
    """A provider step whose call has landed, as far as the outcomes' queue reads it."""
    return SimpleNamespace(meeting=SimpleNamespace(pk=pk))


@pytest.fixture
def idle_dispatcher(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Dispatcher, list[int]]]:
    """A dispatcher not started, whose writes of outcomes are only counted."""
    monkeypatch.setattr("convener.dispatch.dispatcher.FINISH_GATHER_SECONDS", 120.0)
    dispatcher = Dispatcher(pool_size=1, lane_concurrency=4, poll_seconds=0.05, in_flight=64)
    written: list[int] = []
    monkeypatch.setattr(dispatcher, "_write", lambda landings: written.append(len(landings)))
    yield dispatcher, written
    dispatcher.pool.shutdown(wait=True)


def test_an_outcome_waiting_on_a_step_that_makes_no_call_is_written_when_that_step_ends(
    idle_dispatcher: tuple[Dispatcher, list[int]],
) -> None:
    """A call lands while another lane's place is held by a step with no call (an
    invitation being sent): it waits for that place, which never lands. When the step
    gives it back, nothing else is under way, so the outcome is written then, not left
    until the next call lands or the worker's stop gives up on it."""
    dispatcher, written = idle_dispatcher
    dispatcher.inflight.update({"lane-a": 1, "lane-b": 1})
    dispatcher._landed("lane-a", _landing(1), CallOutcome())
    assert dispatcher.landings and not written

    dispatcher._done("lane-b")

    dispatcher.pool.shutdown(wait=True)
    assert written == [1]


def test_a_stopping_worker_writes_what_has_landed_without_waiting_for_the_rest(
    idle_dispatcher: tuple[Dispatcher, list[int]],
) -> None:
    dispatcher, written = idle_dispatcher
    dispatcher.inflight.update({"lane-a": 1, "lane-b": 3})
    dispatcher.stopping.set()

    dispatcher._landed("lane-a", _landing(1), CallOutcome())

    dispatcher.pool.shutdown(wait=True)
    assert written == [1]
