"""/api/v1/plans/preview: the planner, before anything is scheduled.

A SPEC lists every recipient, so this operation takes a larger body than the rest of the
API: up to `CONVENER_PLAN_PREVIEW_MAX_MB` megabytes (10 by default) instead of Django's
2.5 MB. It reads the body itself, with that limit, so that no other page or operation
takes more than before; beyond it the answer is the API's JSON error, 413 naming the limit.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError

from convener import timeplan
from convener.api.errors import BodyTooLarge
from convener.api.parser import parse_object

router = Router(tags=["planning"])


def max_bytes() -> int:
    return int(settings.PLAN_PREVIEW_MAX_BYTES)


def limit_in_words() -> str:
    limit = max_bytes()
    return f"{limit / 2**20:g} MB ({limit:,} bytes)"


def _read_body(request: HttpRequest) -> dict[str, Any]:
    limit = max_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    # Refused before reading when the length is declared; read one byte past the limit
    # otherwise, to know whether there was more.
    body = b"" if declared > limit else request.read(limit + 1)
    if declared > limit or len(body) > limit:
        raise BodyTooLarge(
            f"the SPEC is larger than {limit_in_words()}, the most POST /plans/preview "
            "takes (CONVENER_PLAN_PREVIEW_MAX_MB); plan larger ones with `convener plan`"
        )
    try:
        return parse_object(body)
    except Exception as error:
        # As django-ninja reports a body it cannot read: the API's 400 (or 422 for text
        # that cannot be stored) names the reason.
        raise HttpError(400, "Cannot parse request body") from error


_SPEC_BODY = {
    "required": True,
    "description": "The planning SPEC (docs/timeplan.md), at most "
    "CONVENER_PLAN_PREVIEW_MAX_MB megabytes (10 MB unless the installation sets another).",
    "content": {
        "application/json": {
            "schema": {"additionalProperties": True, "title": "Spec", "type": "object"}
        }
    },
}
_TOO_LARGE = {
    "description": "The SPEC is larger than CONVENER_PLAN_PREVIEW_MAX_MB megabytes (10 MB "
    "unless the installation sets another); the message names the limit",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


@router.post(
    "/plans/preview",
    response=dict[str, Any],
    openapi_extra={"requestBody": _SPEC_BODY, "responses": {"413": _TOO_LARGE}},
)
def preview_plan(request: HttpRequest) -> HttpResponse:
    """Takes a planning SPEC and returns the plan, the same documents as `convener plan`
    (see docs/timeplan.md). A malformed SPEC gets 422 naming the key. The SPEC may be up
    to CONVENER_PLAN_PREVIEW_MAX_MB megabytes (10 MB by default); a larger one gets 413."""
    spec = timeplan.parse_spec(_read_body(request), now=timezone.now())
    result = timeplan.plan(spec)
    del spec
    # Written as text straight away, not as a dictionary per meeting for the renderer.
    out = io.StringIO()
    timeplan.write_plan(result, out)
    return HttpResponse(out.getvalue(), content_type="application/json; charset=utf-8")
