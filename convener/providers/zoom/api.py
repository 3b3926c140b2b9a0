"""One call to Zoom's REST API: send it, map any failure, read the JSON defensively.

Paths are absolute from the API host (`/v2/...`): the client's base URL is the host
root (`CONVENER_ZOOM_API_URL`, default https://api.zoom.us), so the fake can serve
the API and OAuth from one address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx2

from convener.providers.base import ProviderError
from convener.providers.zoom.errors import error_from_response, error_from_transport


@dataclass(frozen=True)
class Call:
    """What a call is for, so that an error can say it in words."""

    action: str  # completes "Zoom refused to ...", e.g. "create the meeting"
    scope: str  # the classic scope the call needs, named if Zoom refuses for lack of it
    host: str | None = None
    meeting_id: str | None = None


def user_path(user: str) -> str:
    """`me` or an email/id as one path segment (a `+` in an email must be escaped)."""
    return quote(user, safe="@")


def send(
    http: httpx2.Client,
    method: str,
    path: str,
    call: Call,
    *,
    json: Mapping[str, Any] | None = None,
    params: Mapping[str, str] | None = None,
) -> httpx2.Response:
    """Send the request; return the response if it is a 2xx, else raise its ProviderError."""
    try:
        response = http.request(method, path, json=json, params=params)
    except httpx2.RequestError as exc:
        raise error_from_transport(exc, action=call.action) from None
    if not 200 <= response.status_code < 300:
        raise error_from_response(
            response,
            action=call.action,
            host=call.host,
            meeting_id=call.meeting_id,
            scope=call.scope,
        )
    return response


def malformed(what: str, call: Call) -> ProviderError:
    """A success whose body lacks what we need: transient, because Zoom has answered
    partial or non-JSON bodies under load and a retry (with reconciliation) is safe."""
    return ProviderError(
        f"Zoom answered without {what} while trying to {call.action}; retrying",
        permanent=False,
        code="malformed",
    )


def read_object(response: httpx2.Response, call: Call) -> dict[str, Any]:
    """The JSON object of a success response."""
    try:
        payload = response.json()
    except ValueError:  # includes JSONDecodeError and undecodable bytes
        raise malformed("a JSON body", call) from None
    if not isinstance(payload, dict):
        raise malformed("a JSON object", call)
    return payload
