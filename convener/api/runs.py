"""/api/v1/runs: launches of an action on many contacts, and their progress.

A run is visible to whoever launched it, and to everyone who may see the meetings other
members host (docs/permissions.md); any other id answers 404, as a missing one does.
"""

# No `from __future__ import annotations` here: @paginate re-reads the list view's
# annotations (see api/meetings.py).

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from convener.api.auth import person
from convener.api.rows import Rows
from convener.api.schemas import RowId, SkipOut
from convener.meetings.models import Run
from convener.scheduling.progress import run_progress
from convener.team import access

router = Router(tags=["runs"])


class ProgressOut(Schema):
    total: int = Field(description="meetings the run made")
    planned: int = Field(description="waiting for their link to be made")
    creating: int
    linked: int = Field(description="linked or invited: the meeting exists at the provider")
    invited: int = Field(description="of those, invitations sent (or in the outbox)")
    waiting_quota: int = Field(description="waiting for the provider's daily quota")
    waiting_connection: int = Field(description="waiting for an account to be reconnected")
    failed: int = Field(description="the link could not be made (retried automatically)")
    cancelled: int
    outstanding: int = Field(description="meetings the worker still has a step for")
    percent: int = Field(
        description="settled, of the meetings (while scheduling, of the contacts asked for)"
    )
    status: str = Field(
        description="scheduling (a large launch from a page: the worker is still planning "
        "and saving its meetings, a chunk at a time; those saved are under way), "
        "not_scheduled (that failed: see the run's `failure`, and its `created` for what "
        "was saved before, which goes ahead), running "
        "(work left), attention (nothing left to do on its own, "
        "but some meetings failed or wait for a reconnect) or done"
    )
    estimated_finish: datetime | None = Field(
        description="when the last link should exist, at the providers' pace; null once "
        "nothing is left to do, and while scheduling"
    )


class RunOut(Schema):
    id: int
    action_id: int | None
    action_name: str | None
    label: str
    trigger: str
    requested_by: str | None = Field(description="username of who launched it")
    requested: int = Field(description="contacts asked for, last launch")
    created: int = Field(description="meetings it made, all launches")
    skipped_count: int = Field(description="contacts skipped, last launch")
    failure: str = Field(
        description="why a launch in the background stopped: still scheduling, it is tried "
        "again; not_scheduled, it is not (`created` counts what it saved); empty"
    )
    created_at: datetime
    updated_at: datetime
    progress: ProgressOut


class RunDetailOut(RunOut):
    skipped: list[SkipOut] = Field(description="the last launch's skipped contacts (first 1,000)")


def run_out(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "action_id": run.action_id,
        "action_name": run.action.name if run.action else None,
        "label": run.label,
        "trigger": run.trigger,
        "requested_by": run.requested_by.username if run.requested_by else None,
        "requested": run.requested,
        "created": run.created,
        "skipped_count": run.skipped_count,
        "failure": run.failure,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "progress": run_progress(run).as_dict(),
    }


@router.get("/runs", response=list[RunOut])
@paginate
def list_runs(request: HttpRequest) -> Rows[Run]:
    """The runs you may see, newest first."""
    return Rows(access.visible_runs(person(request)).order_by("-id"), run_out)


@router.get("/runs/{run_id}", response=RunDetailOut)
def get_run(request: HttpRequest, run_id: RowId) -> dict[str, Any]:
    runs = Run.objects.select_related("action", "requested_by")
    run = access.find(person(request), runs, run_id)
    return {**run_out(run), "skipped": run.skipped}
