"""Every API error is JSON that names the field.

{"detail": "...", "errors": [{"field": "timezone", "message": "..."}]}

A body over the limit is 413 with the field `body` and a message naming the limit: 2.5 MB
(Django's DATA_UPLOAD_MAX_MEMORY_SIZE) for every operation, except `POST /plans/preview`,
which takes a SPEC of up to CONVENER_PLAN_PREVIEW_MAX_MB megabytes (`BodyTooLarge`).

The handlers below cover what the operations raise; `ErrorShapeMiddleware` covers what
answers before or around them (an unknown path, a method the path does not take, a
request refused by another layer), so that no answer under /api/v1/ is an HTML page.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from convener.api.parser import UnstorableText
from convener.timeplan import SpecError

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
# Why a body could not be read as JSON at all (other reasons are said as they are).
_MALFORMED = (json.JSONDecodeError, UnicodeDecodeError, RecursionError)


class BodyTooLarge(RequestDataTooBig):
    """413 for an operation with a body limit of its own (`POST /plans/preview`); the
    message names that limit."""


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """The body of every error answer."""

    detail: str
    errors: list[FieldError]


class Conflict(Exception):
    """409: the request contradicts what is stored (an idempotency key sent before with
    another body); `field` names what to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    # ninja prefixes the source ("body", "query", "path") and the parameter name ("payload").
    while parts and parts[0] in {"body", "query", "path", "payload", "filters"}:
        parts.pop(0)
    return ".".join(parts) or "body"


def error_body(detail: str, errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, errors: list[dict[str, str]], detail: str
) -> HttpResponse:
    return api.create_response(request, error_body(detail, errors), status=status)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


def _not_found_errors(request: HttpRequest) -> list[dict[str, str]]:
    """Name the path parameters of the lookup that found nothing (e.g. meeting_id)."""
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match is not None else {}
    return [
        {"field": name, "message": f"nothing has the id {value}"} for name, value in kwargs.items()
    ]


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"field": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
            for e in exc.errors
        ]
        return error_response(api, request, 422, errors, "the request is not valid")

    @api.exception_handler(DjangoValidationError)
    def invalid_data(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": field, "message": message}
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"field": "body", "message": message} for message in exc.messages]
        return error_response(api, request, 422, errors, "the request is not valid")

    @api.exception_handler(SpecError)
    def invalid_spec(request: HttpRequest, exc: SpecError) -> HttpResponse:
        return error_response(
            api, request, 422, [{"field": exc.key, "message": exc.message}], "the SPEC is not valid"
        )

    @api.exception_handler(UnstorableText)
    def unstorable_text(request: HttpRequest, exc: UnstorableText) -> HttpResponse:
        errors = [{"field": exc.field, "message": exc.message}]
        return error_response(api, request, 422, errors, "the request is not valid")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            api,
            request,
            401,
            [
                {
                    "field": "Authorization",
                    "message": "send 'Authorization: Bearer <token>' or log in",
                }
            ],
            "not authenticated",
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        # convener.team.access.NotAllowed: the message names the missing permission.
        message = str(exc) or "you may not do this"
        field = getattr(exc, "field", "")
        errors = [{"field": field, "message": message}] if field else []
        return error_response(api, request, 403, errors, message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, _not_found_errors(request), "not found")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__
        if isinstance(cause, UnstorableText):
            # django-ninja turns any failure to read the body into a 400 "Cannot parse".
            return unstorable_text(request, cause)
        if exc.status_code == 400 and cause is not None:
            message = f"not valid JSON: {cause}" if isinstance(cause, _MALFORMED) else str(cause)
            errors = [{"field": "body", "message": message}]
            return error_response(api, request, 400, errors, "the body could not be read")
        return error_response(api, request, exc.status_code, [], str(exc))

    @api.exception_handler(Conflict)
    def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return error_response(
            api, request, 409, [{"field": exc.field, "message": exc.message}], exc.message
        )

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # Django raises this when the body is read; unhandled, it becomes an HTML 400.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = f"the request body is larger than {limit:,} bytes; send less in one request"
        if isinstance(exc, BodyTooLarge):
            message = str(exc)
        return error_response(
            api, request, 413, [{"field": "body", "message": message}], "the request is too large"
        )

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The traceback goes to the log, never to the client: it can hold data and settings.
        log.exception("API error on %s %s", request.method, request.path)
        return error_response(api, request, 500, [], "internal server error; it has been logged")


def _is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


def _shaped(response: HttpResponse) -> HttpResponse:
    status = response.status_code
    errors: list[dict[str, str]] = []
    if status == 405 and response.has_header("Allow"):
        errors = [{"field": "method", "message": f"use one of {response['Allow']}"}]
    elif status == 404:
        errors = [{"field": "path", "message": "no API endpoint has this path"}]
    shaped = JsonResponse(error_body(_phrase(status), errors), status=status)
    for header in ("Allow", "Retry-After"):
        if response.has_header(header):
            shaped[header] = response[header]
    return shaped


class ErrorShapeMiddleware:
    """Gives the error shape to any non-JSON error answer under /api/v1/: Django's 404 for
    an unknown path, django-ninja's plain 405, a 413 or 500 from another layer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not _is_json(response)
            and not getattr(response, "streaming", False)
        ):
            return _shaped(response)
        return response
