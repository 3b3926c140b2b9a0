"""A run's live progress: how many of its meetings are at each stage, whether the worker
still has work for them, and when it should be done at the providers' pace.

The estimate is read off the rows and the providers' documented limits, never measured:
each connection makes its meetings at its pace (`Capabilities.requests_per_second`, or
the connection's own setting), a host's daily cap (Zoom: 100 a UTC day) pushes the rest
to the next UTC days, and a meeting already waiting for quota is done no sooner than its
next try.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from convener.connections.models import Connection
from convener.dispatch.pacing import HEADROOM, daily_used, next_utc_midnight
from convener.meetings.models import Meeting, MeetingState, Run
from convener.providers.registry import PROVIDERS, provider_class

# A provider without a pace of its own (Jitsi: a link is only a URL) goes at the worker's
# speed: a few hundredths of a second of work per meeting.
UNPACED_SECONDS_PER_MEETING = 0.05
# States whose meetings still need their link made, counted against the pace.
_NEEDS_LINK = (
    MeetingState.PLANNED,
    MeetingState.CREATING,
    MeetingState.LINK_FAILED,
    MeetingState.LINK_PENDING,
    MeetingState.WAITING_QUOTA,
)


@dataclass
class RunProgress:
    """Counts of a run's meetings. `states` holds every MeetingState value; `outstanding`
    counts the meetings the worker still has a step for (a link, an invitation, a
    cancellation, a retry)."""

    states: dict[str, int]
    outstanding: int = 0
    estimated_finish: datetime | None = None
    notes: list[str] = field(default_factory=list)
    # The launch itself (Run.Status): a large one is planned by the worker first.
    launch: str = Run.Status.DONE
    # While the worker still saves the meetings (a chunk at a time): how many it was asked
    # for, against which the figures count rather than against those saved so far.
    requested: int = 0

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def out_of(self) -> int:
        """What the run's figures count against: its meetings, or while the worker still
        saves them, the contacts it was asked for if more."""
        if self.launch in Run.WAITING:
            return max(self.total, self.requested)
        return self.total

    @property
    def planned(self) -> int:
        return self.states[MeetingState.PLANNED]

    @property
    def creating(self) -> int:
        return self.states[MeetingState.CREATING]

    @property
    def linked(self) -> int:
        """Linked or invited: the meeting exists at the provider."""
        return self.states[MeetingState.LINKED] + self.states[MeetingState.INVITED]

    @property
    def invited(self) -> int:
        return self.states[MeetingState.INVITED]

    @property
    def waiting_quota(self) -> int:
        return self.states[MeetingState.WAITING_QUOTA]

    @property
    def waiting_connection(self) -> int:
        return self.states[MeetingState.WAITING_CONNECTION]

    @property
    def failed(self) -> int:
        return self.states[MeetingState.LINK_FAILED]

    @property
    def cancelled(self) -> int:
        return self.states[MeetingState.CANCELLED]

    @property
    def settled(self) -> int:
        """Meetings with nothing left to happen on their own: done, cancelled, or given
        up. Those waiting for a reconnect wait for a person, not for the worker."""
        return self.total - self.outstanding - self.waiting_connection

    @property
    def percent(self) -> int:
        return 100 if not self.out_of else self.settled * 100 // self.out_of

    @property
    def status(self) -> str:
        """scheduling: the worker is still planning and saving the run's meetings;
        not_scheduled: that failed (what it saved before goes ahead); running: the worker
        has work left; attention: it has none, but some meetings failed or wait for a
        reconnect; done: everything happened."""
        if self.launch in Run.WAITING:
            return "scheduling"
        if self.launch == Run.Status.FAILED:
            return "not_scheduled"
        if self.outstanding:
            return "running"
        if self.failed or self.waiting_connection:
            return "attention"
        return "done"

    @property
    def finished(self) -> bool:
        return self.outstanding == 0 and self.status != "scheduling"

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "states": dict(self.states),
            "planned": self.planned,
            "creating": self.creating,
            "linked": self.linked,
            "invited": self.invited,
            "waiting_quota": self.waiting_quota,
            "waiting_connection": self.waiting_connection,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "outstanding": self.outstanding,
            "percent": self.percent,
            "status": self.status,
            "estimated_finish": self.estimated_finish,
        }


def run_progress(run: Run, *, now: datetime | None = None) -> RunProgress:
    """The run's progress now, with an estimated finish while work is left."""
    now = now or timezone.now()
    states = dict.fromkeys(MeetingState.values, 0)
    outstanding = 0
    rows = (
        run.meetings()
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"), due=Count("pk", filter=Q(next_attempt_at__isnull=False)))
    )
    for state, count, due in rows:
        states[state] = count
        outstanding += due
    progress = RunProgress(
        states=states, outstanding=outstanding, launch=run.status, requested=run.requested
    )
    # None while meetings are still being saved: an estimate from those saved so far
    # would come too soon.
    if outstanding and not run.waiting_for_worker:
        progress.estimated_finish = _estimate(run.meetings(), now)
    return progress


def _estimate(meetings: QuerySet[Meeting], now: datetime) -> datetime:
    """When the last link of these meetings should exist, at the providers' pace."""
    waiting = meetings.filter(next_attempt_at__isnull=False).order_by()
    finish = max(now, waiting.aggregate(last=Max("next_attempt_at"))["last"] or now)
    needs_link = (
        waiting.filter(state__in=_NEEDS_LINK)
        .values_list("lane", "provider", "connection_id", "host__email")
        .annotate(n=Count("pk"))
    )
    per_lane: dict[tuple[str, str, int | None], list[tuple[str, int]]] = defaultdict(list)
    for lane, provider, connection_id, host_email, count in needs_link:
        per_lane[(lane, provider, connection_id)].append((host_email or "", count))
    rates = dict(
        Connection.objects.filter(
            pk__in={key[2] for key in per_lane if key[2] is not None}
        ).values_list("pk", "requests_per_second")
    )
    for (lane, provider, connection_id), hosts in per_lane.items():
        capabilities = provider_class(provider).capabilities if provider in PROVIDERS else None
        rate = (rates.get(connection_id) if connection_id is not None else None) or (
            capabilities.requests_per_second if capabilities else None
        )
        count = sum(n for _, n in hosts)
        per_meeting = 1 / (rate * HEADROOM) if rate else UNPACED_SECONDS_PER_MEETING
        lane_finish = now + timedelta(seconds=count * per_meeting)
        cap = capabilities.daily_writes_per_host if capabilities else None
        if cap:
            for host, n in hosts:
                lane_finish = max(lane_finish, _capped_finish(lane, host, n, cap, now))
        finish = max(finish, lane_finish)
    return finish


def _capped_finish(lane: str, host: str, count: int, cap: int, now: datetime) -> datetime:
    """When `count` more links for one host are made under a daily cap: what is left of
    today's quota today, then `cap` a UTC day."""
    left_today = max(0, cap - daily_used(lane, host or "-", now=now))
    if count <= left_today:
        return now
    days = ceil((count - left_today) / cap)
    return next_utc_midnight(now) + timedelta(days=days - 1)


def meetings_to_retry(run: Run) -> QuerySet[Meeting]:
    """The run's meetings whose link failed: what "Retry failed" tries again."""
    return run.meetings().filter(state=MeetingState.LINK_FAILED)


def meetings_not_started(run: Run, *, now: datetime | None = None) -> QuerySet[Meeting]:
    """The run's meetings that have not started and are not cancelled: what "Cancel what
    has not happened" cancels."""
    return (
        run.meetings()
        .filter(start__gt=now or timezone.now(), cancel_requested=False)
        .exclude(state=MeetingState.CANCELLED)
    )
