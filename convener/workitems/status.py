"""Which status a job may move to, and the Ready rule.

The early statuses follow from the job itself: a job without a time is Queued; with a
time but no resource (or only resources who declined) it is Pending Allocation; with
resources it is Pending Dispatch until someone dispatches it; once dispatched it is
Ready when every allocated resource has confirmed, and Dispatched while any has not.
`settled_status` works that out after every change; people and the API move a job on
by hand only along TRANSITIONS, and `transition_problem` says why a move is impossible.
"""

from __future__ import annotations

from convener.workitems.models import AllocationState, Job, JobStatus

S = JobStatus

# Where a person (or the API, or a webhook) may move a job from each status. The early
# statuses may also be asked for: they are checked against what the job is.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.PENDING_ALLOCATION, S.PENDING_DISPATCH, S.CANCELLED}),
    S.PENDING_ALLOCATION: frozenset({S.QUEUED, S.PENDING_DISPATCH, S.CANCELLED}),
    S.PENDING_DISPATCH: frozenset({S.QUEUED, S.PENDING_ALLOCATION, S.DISPATCHED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.PENDING_DISPATCH, S.READY, S.CANCELLED}),
    S.READY: frozenset({S.PENDING_DISPATCH, S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.COMPLETE, S.CANCELLED}),
    S.COMPLETE: frozenset(),
    S.CANCELLED: frozenset(),
}

# Statuses worked out from the job (settled_status); the later ones are only set.
DERIVED = frozenset({S.QUEUED, S.PENDING_ALLOCATION, S.PENDING_DISPATCH, S.DISPATCHED, S.READY})
FINAL = frozenset({S.COMPLETE, S.CANCELLED})


def _states(job: Job) -> list[str]:
    return [a.state for a in job.allocations.all() if a.state != AllocationState.DECLINED]


def ready_problem(job: Job) -> str:
    """Why the job is not Ready yet, in a scheduler's words ("" when it is)."""
    if not job.scheduled:
        return "the job has no start and end yet"
    states = _states(job)
    if not states:
        return "no resource is allocated (or every one declined)"
    waiting = sum(1 for s in states if s != AllocationState.CONFIRMED)
    if waiting:
        return f"{waiting} of {len(states)} resources have not confirmed yet"
    return ""


def settled_status(job: Job) -> str:
    """The status the job's own facts give it, for a job in one of the early statuses;
    a later status (In Progress, Complete, Cancelled) stays as it is."""
    if job.status not in DERIVED:
        return job.status
    if not job.scheduled:
        return S.QUEUED
    if not _states(job):
        return S.PENDING_ALLOCATION
    if job.status in {S.DISPATCHED, S.READY}:
        return S.DISPATCHED if ready_problem(job) else S.READY
    return S.PENDING_DISPATCH


def transition_problem(job: Job, target: str) -> str:
    """Why `job` cannot move to `target` now ("" when it can)."""
    if target not in S.values:
        return f"unknown status {target!r}; one of {', '.join(S.values)}"
    if target == job.status:
        return ""
    label = S(target).label
    current = S(job.status).label
    if target not in TRANSITIONS[job.status]:
        if job.status in FINAL:
            return f"the job is {current}: its status cannot change any more"
        allowed = ", ".join(S(s).label for s in sorted(TRANSITIONS[job.status]))
        return f"a job cannot go from {current} to {label}; from {current} it can go to {allowed}"
    if target == S.READY and (why := ready_problem(job)):
        return f"a job is Ready only when it is scheduled and all its resources confirmed: {why}"
    if target == S.DISPATCHED and not job.scheduled:
        return "a job without a start and end cannot be dispatched"
    if target == S.DISPATCHED and not _states(job):
        return "allocate a resource before dispatching the job"
    if target == S.PENDING_DISPATCH and (not job.scheduled or not _states(job)):
        return "a job is Pending Dispatch only when it is scheduled and has a resource"
    if target == S.QUEUED and job.scheduled:
        return "a job is Queued only while it has no start and end; clear them instead"
    if target == S.PENDING_ALLOCATION and not job.scheduled:
        return "a job is Pending Allocation only when it has a start and end"
    if target == S.IN_PROGRESS and job.status != S.READY:
        return "only a Ready job can start"
    return ""
