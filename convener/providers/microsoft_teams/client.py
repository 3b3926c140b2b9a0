"""The one place that sends requests to Microsoft Graph for this package.

Every call asks for UTC times in the answer (`Prefer: outlook.timezone="UTC"`; without
it Graph uses UTC for most reads but the mailbox's zone is also possible), maps failures
through `errors`, and turns a body into a dict or a transient error, so a malformed
answer never escapes as a KeyError.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import quote

import httpx2

from convener.providers.microsoft_teams.errors import graph_error, malformed, transport_error

PREFER_UTC = 'outlook.timezone="UTC"'
ME = "/v1.0/me"


def user_path(email_or_id: str) -> str:
    """`/v1.0/users/{upn}`: app-only tokens must name the mailbox (Graph refuses /me)."""
    return "/v1.0/users/" + quote(email_or_id.strip(), safe="@")


def event_path(mailbox: str, event_id: str) -> str:
    # Graph ids are base64 and may end in "=": quote everything so they survive as one segment.
    return f"{mailbox}/events/{quote(event_id, safe='')}"


def send(
    http: httpx2.Client,
    method: str,
    path: str,
    *,
    action: str,
    ok: Collection[int] = (200, 201, 202, 204),
    tolerate: Collection[int] = (),
    json: Any = None,
    params: Mapping[str, str] | None = None,
) -> httpx2.Response:
    """Send one request. Returns the response when its status is in `ok` or `tolerate`
    (the caller handles those), raises the mapped ProviderError otherwise."""
    try:
        response = http.request(
            method, path, json=json, params=params, headers={"Prefer": PREFER_UTC}
        )
    except httpx2.TransportError as exc:
        raise transport_error(exc, action=action) from None
    if response.status_code in ok or response.status_code in tolerate:
        return response
    raise graph_error(response, action=action)


def body_object(response: httpx2.Response, *, action: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise malformed("a JSON body", action=action) from None
    if not isinstance(data, dict):
        raise malformed("a JSON object", action=action)
    return data


def text_field(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""
