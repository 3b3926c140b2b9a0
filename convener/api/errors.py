"""Every API error is JSON that names the field.

{"detail": "...", "errors": [{"field": "timezone", "message": "..."}]}
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from convener.timeplan import SpecError


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


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, errors: list[dict[str, str]], detail: str
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors}, status=status)


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
        # The same answer whether the object is missing or hidden from this person.
        return error_response(api, request, 404, [], "not found")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
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
        return error_response(
            api, request, 413, [{"field": "body", "message": message}], "the request is too large"
        )
