"""The address senders post to: anonymous, without CSRF (the signature is the proof),
JSON in and out, never an HTML page and never a 500."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from convener.hooks import processing
from convener.hooks.models import HookDelivery
from convener.hooks.receive import MAX_BODY, find, headers_of, receive
from convener.hooks.signing import SignedRequest
from convener.hooks.status import read_status_token, status_body

log = logging.getLogger(__name__)


def _error(status: int, detail: str, field: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"detail": detail, "errors": [{"field": field, "message": message}]}, status=status
    )


def _uris(request: HttpRequest) -> tuple[str, ...]:
    """The address as the sender called it. Behind a proxy that ends TLS the request
    arrives as http, while the sender signed https: both are tried."""
    uri = request.build_absolute_uri()
    scheme, _, rest = uri.partition("://")
    other = "http" if scheme == "https" else "https"
    return (uri, f"{other}://{rest}")


@csrf_exempt
def hook_receive(request: HttpRequest, slug: str) -> HttpResponse:
    """`slug` is the webhook's URL token."""
    if request.method != "POST":
        response = _error(405, "method not allowed", "method", "send the payload with POST")
        response["Allow"] = "POST"
        return response
    webhook = find(slug)
    if webhook is None:
        return _error(404, "not found", "path", "no webhook has this address")
    # Read at most one byte more than the limit, whatever Content-Length says.
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        return _error(
            413, "the request is too large", "body", f"the body is larger than {MAX_BODY:,} bytes"
        )
    body = request.read(MAX_BODY + 1)
    signed = SignedRequest(request.method, _uris(request), headers_of(request.META), body)
    try:
        answer = receive(webhook, signed, request.META.get("CONTENT_TYPE", ""))
    except Exception:
        # The traceback goes to the log, never to the sender.
        log.exception("webhook %s: delivery failed", webhook.pk)
        return _error(
            503, "the delivery could not be carried out; send it again later", "body", "try again"
        )
    if "status_url" in answer.body:
        answer.body["status_url"] = request.build_absolute_uri(answer.body["status_url"])
    response = JsonResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response


def delivery_status(request: HttpRequest, slug: str) -> HttpResponse:
    """A delivery's outcome, for the sender holding its status URL (GET, JSON)."""
    if request.method != "GET":
        response = _error(405, "method not allowed", "method", "read the status with GET")
        response["Allow"] = "GET"
        return response
    delivery_id = read_status_token(slug)  # the status token
    delivery = (
        HookDelivery.objects.select_related("meeting").filter(pk=delivery_id).first()
        if delivery_id is not None
        else None
    )
    if delivery is None:
        return _error(404, "not found", "path", "no delivery has this status address")
    processing.recover_if_waiting(delivery)
    body = status_body(delivery)
    body["status_url"] = request.build_absolute_uri(body["status_url"])
    return JsonResponse(body)
