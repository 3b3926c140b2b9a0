"""Dispatching meeting work by lane, as fast as each lane's pace allows and no faster.

A lane is the stream of provider calls of one connection (or of an account-less provider
such as Jitsi). Work is claimed from the Meeting table with a lease (SKIP LOCKED on
PostgreSQL), so any number of worker processes on any number of machines share it
without doubling anything; the pace is shared through `pacing`.

`Dispatcher` runs inside `convener worker`: one thread that keeps every lane filled up to
its concurrency; the database work of the steps on a small thread pool (whose size, with
the mail threads', bounds the process's database connections), their provider calls on
an event loop (`flight`), hundreds in flight without a thread each, and the invitations
over SMTP on a few mail threads. It is woken by the `drain_lane`
task (enqueued when meetings are saved) and polls as a backstop. Without a dispatcher
(tests, one-off commands), `drain` runs a lane inline until nothing is due.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone

from convener.db import changes
from convener.db.threads import close_connections
from convener.dispatch import pacing
from convener.dispatch.announce import not_prepared, settle
from convener.dispatch.claiming import claim, claim_lanes
from convener.dispatch.flight import Flight
from convener.dispatch.holding import Holding
from convener.dispatch.provider_step import CallOutcome, ProviderStep, held_leases, renew_held
from convener.dispatch.release import COLUMNS
from convener.dispatch.sync import load, step, sync_meeting
from convener.invitations.compose import shared_bodies
from convener.invitations.delivery import Claimed, claim_round, record, transmit
from convener.meetings.models import Attempt, Meeting
from convener.meetings.state import lease, next_operation, unleased

log = logging.getLogger(__name__)

# Steps begun, or outcomes written, in one transaction: one commit for many meetings, and
# calls still leave in small groups rather than all behind one long transaction.
BATCH = 32
# While steps are under way, how long the claimer lets places freed by finished steps
# gather before it claims again: refilling each lane the moment one step finished made
# batches of a meeting or two, each paying a batch's queries and commit (10 meetings a
# batch on average without it, 15 with it). A lane books its calls half a second ahead
# (pacing.AHEAD_SECONDS), so this delays no call; an idle worker claims at once.
GATHER_SECONDS = 0.05
# While other calls are under way, how long the outcomes that landed wait for theirs
# before they are written: written as each landed, they made batches of one to three
# meetings, each paying a transaction, a read of the leases and of the invitation
# templates (4.4-4.7 ms of worker CPU a meeting over SMTP; 3.9-4.0 waiting 50 ms, 3.8
# waiting 100). A call with nothing else under way is written at once, so a single
# meeting's time to invitation does not change; under load an invitation leaves up to
# this much later.
FINISH_GATHER_SECONDS = 0.1
# Lanes looked at per poll for due work (the next poll goes on from the last).
DUE_LANES = 500


def _due() -> Q:
    now = timezone.now()
    return Q(next_attempt_at__lte=now) & unleased(now)


def due_lanes(limit: int = 500, *, after: str = "") -> list[str]:
    """Up to `limit` lanes with due meetings, in name order from the first after `after`
    and round again from the start. A caller that passes the last lane it was given
    reaches every lane in turn, however many more than `limit` are due: from the start
    each time, the first `limit` names were served until they ran dry and the others
    waited (with 1,000 lanes, some waited four minutes for their first link)."""
    due = (
        Meeting.objects.filter(_due())
        .exclude(lane="")
        .values_list("lane", flat=True)
        .order_by("lane")
        .distinct()
    )
    lanes = list(due.filter(lane__gt=after)[:limit])
    if after and len(lanes) < limit:
        lanes += due.filter(lane__lte=after)[: limit - len(lanes)]
    return lanes


# Every column of a meeting's row, the key first.
_COLUMNS = [Meeting._meta.pk.attname, *COLUMNS]


def as_now(meetings: list[Meeting]) -> list[Meeting]:
    """`meetings`, read before the caller's transaction (their rows locked in it since),
    with those whose rows changed since read again and those deleted left out. A step
    decides from its meeting's row: from a stale copy it would act on what others
    changed without touching the lease, waiting for a reconnect that has taken the
    meeting over (its connection and lane), or calling through a connection since
    deleted. One query compares the rows; the few changed are loaded again."""
    rows = {
        row[0]: row
        for row in Meeting.objects.filter(pk__in=[m.pk for m in meetings]).values_list(*_COLUMNS)
    }
    changed = [
        meeting.pk
        for meeting in meetings
        if rows.get(meeting.pk) != tuple(getattr(meeting, column) for column in _COLUMNS)
    ]
    if not changed:
        return meetings
    again = {meeting.pk: meeting for meeting in load(changed)}
    kept = [meeting for meeting in meetings if meeting.pk not in again and meeting.pk in rows]
    return [*kept, *again.values()]


def _by_lane(meetings: list[Meeting]) -> list[Meeting]:
    return sorted(meetings, key=lambda meeting: (meeting.lane, meeting.pk))


def _run(meeting_id: int) -> None:
    try:
        sync_meeting(meeting_id)
    except Exception:
        # The lease runs out and another try picks the meeting up; never lose the worker.
        log.exception("meeting %s: sync failed", meeting_id)


def drain(lane: str) -> int:
    """Work through a lane inline until nothing in it is due; returns how many steps ran."""
    steps = 0
    while ids := claim(lane, 10):
        for meeting_id in ids:
            _run(meeting_id)
            steps += 1
    return steps


class Dispatcher:
    """Keeps lanes at their concurrency (one per worker process).

    A lane's claimed meetings are loaded together and begun on the thread pool (the
    database work before a call); their calls then wait for their pacing slots and the
    provider on the event loop (`flight`), holding no thread; their outcomes come back to
    the pool to be written. Other steps (invitations, cancellation notices) run on the
    pool. `in_flight` bounds the calls under way, `holding` what the worker claims to
    what it finishes within half a lease, the pool the database connections.
    """

    current: Dispatcher | None = None

    def __init__(
        self,
        *,
        pool_size: int,
        lane_concurrency: int,
        poll_seconds: float,
        in_flight: int,
        mail_threads: int = 8,
    ) -> None:
        self.pool_size = pool_size
        self.mail_threads = mail_threads
        self.pool = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="sync")
        # Invitations are sent on threads of their own, each over its kept connection,
        # while the pool writes the next outcomes: sent from the thread that writes
        # outcomes, every landing waited for the mail before it (an SMTP conversation is
        # four round trips). A few batches may wait for them; beyond that the outcomes
        # wait, and so the claims: the meetings' leases run while they are held.
        # One thread for each SMTP connection (settings.SMTP_CONNECTIONS).
        self.mail = ThreadPoolExecutor(max_workers=mail_threads, thread_name_prefix="mail")
        self.mail_room = threading.BoundedSemaphore(2 * mail_threads)
        self.flight = Flight()
        self.holding = Holding(
            floor=2 * BATCH, ceiling=in_flight, lease_seconds=lease().total_seconds()
        )
        self.lane_concurrency = lane_concurrency
        self.poll_seconds = poll_seconds
        self.inflight: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()
        self.woken = threading.Event()
        self.pending: set[str] = set()
        # Where the next look for due lanes starts (`due_lanes`), and when each lane was
        # last given work (monotonic): of lanes equally busy, the longest waiting first.
        self.lane_cursor = ""
        self.served: dict[str, float] = {}
        self.landings: list[tuple[str, ProviderStep, CallOutcome]] = []
        self.gathering_since = 0.0  # when the landings waiting began to wait (monotonic)
        # Calls each lane's pace lets leave within a worker's sleep, learnt from its steps.
        self.paced: dict[str, int] = {}
        self.finishing = False
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="dispatcher", daemon=True)

    def start(self) -> Dispatcher:
        Dispatcher.current = self
        self.flight.start()
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.woken.set()
        self.thread.join(timeout=30)
        # Let the calls under way land and be written: a call abandoned here would leave
        # its meeting to the sweeper after its lease.
        deadline = time.monotonic() + 30
        while self._busy() and time.monotonic() < deadline:
            self._write_if_due()  # stopping: those waiting wait no more
            time.sleep(0.05)
        self.flight.stop()
        # Each thread closes the connections it opened, after the work queued before.
        close_connections(self.pool, self.pool_size)
        self.pool.shutdown(wait=True)
        close_connections(self.mail, self.mail_threads)
        self.mail.shutdown(wait=True)
        Dispatcher.current = None

    def wake(self, lane: str | None = None) -> None:
        if lane:
            with self.lock:
                self.pending.add(lane)
        self.woken.set()

    def _busy(self) -> int:
        with self.lock:
            return sum(self.inflight.values())

    def _done(
        self, lane: str, count: int = 1, *, refill: bool = True, since: float | None = None
    ) -> None:
        """`count` of the lane's places free again; `since`: when the meetings that held
        them were claimed (monotonic), for those that were steps rather than room."""
        if not count:
            return
        if since is not None:
            self.holding.finished(count, since=since)
        with self.lock:
            self.inflight[lane] -= count
            if refill:
                self.pending.add(lane)  # refill the lane at once
            # The outcomes waiting may have waited for these places only.
            write = self._write_now()
        if write:
            self.pool.submit(self._finish)
        if refill:
            self.woken.set()

    def _room(self, lane: str) -> tuple[int, bool]:
        """How many more steps the lane may start, and whether the worker has room left."""
        if pacing.known_wait(lane) > 0:
            return 0, True  # paused: claiming now would only hand the meetings back
        holds = self.holding.limit()
        with self.lock:
            busy = sum(self.inflight.values())
            # No more than the lane's pace lets leave within what it books ahead: a claim
            # beyond it would be given back unsent, its attempt written and deleted.
            allowed = min(self.lane_concurrency, self.paced.get(lane, self.lane_concurrency))
            room = min(allowed - self.inflight[lane], holds - busy)
            if room > 0:
                self.inflight[lane] += room  # held until claimed (the rest handed back)
        return max(0, room), busy < holds

    def _fill(self, lanes: list[str]) -> list[str]:
        """Claim work for the lanes, in one transaction, and hand it to the pool in
        batches; returns the lanes not reached because the worker is full."""
        rooms: dict[str, int] = {}
        left: list[str] = []
        for index, lane in enumerate(lanes):
            room, space = self._room(lane)
            if not space:
                left = lanes[index:]
                break
            if room:
                rooms[lane] = room
        try:
            leased = claim_lanes(rooms)
            claimed = [(lane, leased.get(lane, [])) for lane in rooms]
        except Exception:
            for lane, room in rooms.items():
                self._done(lane, room)
            raise
        claimed_at = time.monotonic()
        batch: list[tuple[str, int]] = []
        for lane, ids in claimed:
            self._done(lane, rooms[lane] - len(ids), refill=False)
            if ids:
                self.served[lane] = claimed_at
            batch.extend((lane, meeting_id) for meeting_id in ids)
        for first in range(0, len(batch), BATCH):
            self.pool.submit(self._begin, batch[first : first + BATCH], claimed_at)
        return left

    def _begin(self, batch: list[tuple[str, int]], claimed_at: float) -> None:
        """On a pool thread: load the claimed meetings together, begin their provider
        steps in one transaction, then prepare and launch their calls. A call leaves only
        after the transaction has committed its attempt: "tried before" must be on record
        before any request. Steps without a provider call (invitations, cancellation
        notices) run after it, each on its own: an email must never leave before its
        Delivery row is committed."""
        close_old_connections()
        lanes = dict((meeting_id, lane) for lane, meeting_id in batch)
        launches: list[tuple[str, ProviderStep, float]] = []
        others: list[Meeting] = []
        try:
            # Read before the transaction, which on SQLite holds the write lock that every
            # other writer waits for: reading the batch in it was a fifth of the time the
            # pool held the lock (3.9 of 17.1 s over 6,000 meetings). In it, `renew_held`
            # keeps only those still held under the lease they were claimed with, their
            # rows locked, and `as_now` then reads again the few whose rows changed.
            # By lane: a batch locks its lanes' rows in one order, as every batch does.
            loaded = _by_lane(load(list(lanes)))
            with transaction.atomic(), pacing.reservations_batched():
                held = _by_lane(as_now(renew_held(loaded)))
                for meeting in held:
                    operation = next_operation(meeting)
                    if operation is None or not operation.calls_provider:
                        others.append(meeting)
                        continue
                    provider_step = ProviderStep(meeting, operation)
                    provider_step.ahead = pacing.AHEAD_SECONDS
                    provider_step.claimed_at = claimed_at
                    self.paced[provider_step.lane] = pacing.slots_within(
                        provider_step.spacing, pacing.AHEAD_SECONDS
                    )
                    launch = self._begin_one(provider_step)
                    if launch is not None:
                        launches.append((lanes[meeting.pk], *launch))
        except Exception:
            # The leases run out and another try picks the meetings up; never lose the worker.
            log.exception("steps could not begin")
            launches, others = [], []
        launched = {step.meeting.pk for _, step, _ in launches}
        for lane, provider_step, not_before in launches:
            provider_step.prepare()
            landed = functools.partial(self._landed, lane, provider_step)
            self.flight.launch(provider_step, not_before, landed)
        try:
            for meeting in others:
                try:
                    step(meeting)
                except Exception:
                    log.exception("meeting %s: sync failed", meeting.pk)
        finally:
            close_old_connections()
            for meeting_id, lane in lanes.items():
                if meeting_id not in launched:
                    self._done(lane, since=claimed_at)

    @staticmethod
    def _begin_one(provider_step: ProviderStep) -> tuple[ProviderStep, float] | None:
        """Begin one provider step in its own savepoint; when its call may leave, if any."""
        try:
            with transaction.atomic():
                wait = provider_step.begin()
        except Exception:
            log.exception("meeting %s: sync failed", provider_step.meeting.pk)
            # What its rolled-back writes noted of the row is not so.
            changes.forget(provider_step.meeting)
            return None
        if wait is None:
            return None
        return provider_step, time.monotonic() + wait

    def _landed(self, lane: str, provider_step: ProviderStep, outcome: CallOutcome) -> None:
        """On the loop thread: queue the outcome to be written on the pool, together with
        the others that land meanwhile."""
        with self.lock:
            if not self.landings:
                self.gathering_since = time.monotonic()
            self.landings.append((lane, provider_step, outcome))
            write = self._write_now()
        if write:
            self.pool.submit(self._finish)

    def _write_now(self) -> bool:
        """Under `self.lock`: whether the outcomes landed are to be written now (and a
        write is then owed). They wait for others to write with them while fewer than a
        batch are waiting, other calls are under way and the first has waited less than
        FINISH_GATHER_SECONDS. Checked as each lands, as each place held is given back
        and at each turn of the claimer's loop (no timer: one on the event loop would
        stop with the clock under test); never once the worker is stopping."""
        if self.finishing or not self.landings:
            return False
        waiting = len(self.landings)
        gather = (
            waiting < BATCH
            and sum(self.inflight.values()) > waiting
            and time.monotonic() - self.gathering_since < FINISH_GATHER_SECONDS
            and not self.stopping.is_set()
        )
        if gather:
            return False
        self.finishing = True
        return True

    def _write_if_due(self) -> None:
        with self.lock:
            write = self._write_now()
        if write:
            self.pool.submit(self._finish)

    def _finish(self) -> None:
        """Write the outcomes that have landed, in batches of one transaction each, with
        the rows of the invitations to send; the mail threads send them once it has
        committed (a message must never leave before its Delivery row is)."""
        while True:
            with self.lock:
                landings, self.landings = self.landings[:BATCH], self.landings[BATCH:]
                # By lane: a rate limit pauses its lane's row, locked in the same order
                # as every batch that begins steps takes lane rows.
                landings.sort(key=lambda landing: (landing[0], landing[1].meeting.pk))
                if not landings:
                    self.finishing = False
                    return
            self._write(landings)
            with self.lock:
                # Those that landed during the write wait for others, as the first did
                # (from now: the write's own time is not gathering).
                self.finishing = False
                self.gathering_since = time.monotonic()
                if not self._write_now():
                    return

    def _write(self, landings: list[tuple[str, ProviderStep, CallOutcome]]) -> None:
        close_old_connections()
        invite_after: list[Meeting] = []
        succeeded: list[int] = []
        claimed: list[Claimed] = []
        unprepared: list[tuple[Meeting, Exception]] = []
        try:
            with transaction.atomic(), shared_bodies():
                leases = held_leases([s.meeting.pk for _, s, _ in landings])
                for _, provider_step, outcome in landings:
                    if provider_step.still_held(leases):
                        self._finish_one(provider_step, outcome, invite_after, succeeded)
                Attempt.objects.filter(pk__in=succeeded).update(
                    outcome=Attempt.Outcome.OK, finished_at=timezone.now()
                )
                # The invitations are written with the links, claimed for sending,
                # and sent once this has committed.
                for meeting in invite_after:
                    try:
                        with transaction.atomic():
                            claimed.append(claim_round(meeting))
                    except Exception as exc:  # e.g. a template that fails to render
                        unprepared.append((meeting, exc))
        except Exception:
            log.exception("outcomes could not be written; the sweeper takes them over")
            # Their links were not saved: inviting now would send a link the meeting
            # does not have. They run again once their leases run out.
            claimed, unprepared = [], []
        try:
            if claimed or unprepared:
                self.mail_room.acquire()
                self.mail.submit(self._send_invitations, claimed, unprepared)
        finally:
            close_old_connections()
            for lane, provider_step, _ in landings:
                # The time the provider took to answer is not time waited in the
                # worker: a slow provider is no reason to hold less.
                waited_since = provider_step.claimed_at + provider_step.call_seconds
                self._done(lane, since=waited_since)

    def _send_invitations(
        self, claimed: list[Claimed], unprepared: list[tuple[Meeting, Exception]]
    ) -> None:
        """On a mail thread: send each meeting's claimed invitations, then write what
        became of them with the meeting's release in one transaction."""
        close_old_connections()
        try:
            self._send_claimed(claimed, unprepared)
        finally:
            close_old_connections()
            self.mail_room.release()

    @staticmethod
    def _send_claimed(claimed: list[Claimed], unprepared: list[tuple[Meeting, Exception]]) -> None:
        for meeting, exc in unprepared:
            try:
                with transaction.atomic():
                    not_prepared(meeting, exc)
            except Exception:
                log.exception("meeting %s: sync failed", meeting.pk)
        for invitations in claimed:
            try:
                results = transmit(invitations)
                # Recorded at once, in a transaction of its own: a worker killed between
                # sending and recording sends those invitations again after the lease, so
                # the window stays one meeting's invitations per mail thread. Recording a
                # batch of meetings together saved 0.6 ms an invitation, but a crash then
                # sent up to the whole batch (32 meetings) twice.
                with transaction.atomic():
                    settle(invitations.meeting, record(invitations, results))
            except Exception:
                # Its lease runs out, and its rows still "sending" are sent again then.
                log.exception("meeting %s: invitations failed", invitations.meeting.pk)

    @staticmethod
    def _finish_one(
        provider_step: ProviderStep,
        outcome: CallOutcome,
        invite_after: list[Meeting],
        succeeded: list[int],
    ) -> None:
        # Sent over SMTP, invitations wait for the commit; held in the outbox, they are
        # only rows, written with the rest.
        provider_step.invite_after = invite_after if settings.SMTP_HOST else None
        mine: list[int] = []
        provider_step.succeeded_attempts = mine
        try:
            with transaction.atomic():
                provider_step.finish(outcome)
        except Exception:
            log.exception("meeting %s: sync failed", provider_step.meeting.pk)
            changes.forget(provider_step.meeting)  # as in `_begin_one`
            return
        # Marked with the batch, once this meeting's own writes stand.
        succeeded.extend(mine)

    def _loop(self) -> None:
        next_poll = 0.0
        while not self.stopping.is_set():
            with self.lock:
                gathering = bool(self.landings)
            self.woken.wait(FINISH_GATHER_SECONDS if gathering else self.poll_seconds)
            if self._busy():
                self.stopping.wait(GATHER_SECONDS)
            self.woken.clear()
            self._write_if_due()
            try:
                with self.lock:
                    lanes, self.pending = set(self.pending), set()
                    inflight = dict(self.inflight)
                now = timezone.now().timestamp()
                if now >= next_poll:
                    due = due_lanes(DUE_LANES, after=self.lane_cursor)
                    self.lane_cursor = due[-1] if len(due) == DUE_LANES else ""
                    lanes.update(due)
                    next_poll = now + self.poll_seconds
                # Emptiest lanes first, then the longest without work: when lanes x
                # concurrency exceeds what the worker holds in flight, walking them by
                # name would let the first lanes take it all while the others (other
                # connections, each with its own limit) wait.
                served = self.served
                left = self._fill(
                    sorted(lanes, key=lambda name: (inflight.get(name, 0), served.get(name, 0.0)))
                )
                if left:
                    with self.lock:
                        self.pending.update(left)
            except Exception:
                log.exception("dispatcher loop failed; trying again")
            finally:
                close_old_connections()
        connections.close_all()


def start_dispatcher() -> Dispatcher:
    return Dispatcher(
        pool_size=settings.WORKER_POOL_SIZE,
        lane_concurrency=settings.LANE_CONCURRENCY,
        poll_seconds=max(0.05, settings.WORKER_POLL_SECONDS),
        in_flight=settings.WORKER_IN_FLIGHT,
        mail_threads=settings.SMTP_CONNECTIONS,
    ).start()
