"""The incoming status webhook: a field-service or CRM system drives a job's status.

POST /hooks/jobs/<key>/ with a JSON body, signed: the header
`X-Convener-Signature: sha256=<hex>` holds HMAC-SHA256 of the exact body with the
webhook's secret (shown to administrators on the Virtual meetings page). The body:

    {"job_id": 12, "status": "dispatched"}                      move the job
    {"job_id": 12, "resource": "rita", "state": "confirmed"}    a resource's answer

A wrong key is 404, a wrong signature 401 (nothing is read before the signature is
checked), bad input 422 naming the field, and a move the job cannot make 422 with the
reason. It acts as the automation (no person): the caller holds the secret."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from convener.team.models import User
from convener.workitems import changes, throttle
from convener.workitems.models import Job, MeetingAutomation

MAX_BODY = 16_384


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _errors(errors: dict[str, str], status: int = 422) -> JsonResponse:
    return JsonResponse(
        {
            "detail": "The request was not applied.",
            "errors": [{"field": k, "message": v} for k, v in errors.items()],
        },
        status=status,
    )


def _apply(data: dict[str, Any]) -> Job:
    job_id = data.get("job_id")
    if not isinstance(job_id, int) or isinstance(job_id, bool) or not 0 < job_id < 2**63:
        raise ValidationError({"job_id": "give the job's id as a number"})
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise ValidationError({"job_id": f"no job with id {job_id}"})
    if "status" in data:
        changes.move_to(job, str(data["status"]))
        return job
    resource_name = data.get("resource")
    if not isinstance(resource_name, str) or not resource_name:
        raise ValidationError({"status": "give a status, or a resource and its state"})
    resource = User.objects.filter(username=resource_name).first()
    if resource is None:
        raise ValidationError({"resource": f"no team member {resource_name!r}"})
    changes.respond(job, resource, str(data.get("state", "")))
    return job


@csrf_exempt
@require_POST
def job_status_hook(request: HttpRequest, slug: str) -> HttpResponse:
    """`slug`: the webhook's key."""
    if throttle.too_many(request, "status-hook"):
        return _errors({"body": "too many calls; try again in a minute"}, 429)
    settings = MeetingAutomation.current()
    if not settings.webhook_key or not hmac.compare_digest(slug, settings.webhook_key):
        raise Http404("no such webhook")
    body = request.body[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        return _errors({"body": f"a call has at most {MAX_BODY} bytes"}, 413)
    sent = request.headers.get("X-Convener-Signature", "")
    if not hmac.compare_digest(sent, signature(settings.webhook_secret, body)):
        return _errors({"X-Convener-Signature": "missing or wrong signature"}, 401)
    try:
        data = json.loads(body)
    except ValueError:
        return _errors({"body": "the body is not JSON"})
    if not isinstance(data, dict):
        return _errors({"body": "the body is a JSON object"})
    try:
        job = _apply(data)
    except ValidationError as exc:
        return _errors({k: v[0] for k, v in exc.message_dict.items()})
    return JsonResponse({"job_id": job.pk, "status": job.status})
