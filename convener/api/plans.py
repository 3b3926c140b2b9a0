"""/api/v1/plans/preview: the planner, before anything is scheduled."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Body, Router

from convener import timeplan

router = Router(tags=["planning"])


@router.post("/plans/preview")
def preview_plan(request: HttpRequest, spec: Body[dict[str, Any]]) -> dict[str, Any]:
    """Takes a planning SPEC and returns the plan, the same documents as `convener plan`
    (see docs/timeplan.md). A malformed SPEC gets 422 naming the key."""
    result: dict[str, Any] = timeplan.plan_document(spec, now=timezone.now())
    return result
