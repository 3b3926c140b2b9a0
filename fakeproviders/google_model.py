"""What the fake Google's parts share: scopes, documented error reasons, the error
envelope, and the accounts and tokens it holds."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from fakeproviders.harness import Response

AUTH = "https://www.googleapis.com/auth/"
CALENDAR, EVENTS = AUTH + "calendar", AUTH + "calendar.events"
CANONICAL_TOKEN_URL = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Scopes each method accepts, from the calendar v3 discovery document.
WRITE_EVENTS = frozenset({CALENDAR, EVENTS, EVENTS + ".owned", CALENDAR + ".app.created"})
READ_EVENTS = WRITE_EVENTS | {
    CALENDAR + ".readonly",
    EVENTS + ".readonly",
    EVENTS + ".owned.readonly",
    EVENTS + ".freebusy",
}
READ_CALENDAR = frozenset(
    {CALENDAR, CALENDAR + ".readonly", CALENDAR + ".calendars", CALENDAR + ".calendars.readonly"}
) | {CALENDAR + ".app.created"}
FREEBUSY = frozenset(
    {CALENDAR, CALENDAR + ".readonly", CALENDAR + ".freebusy", EVENTS + ".freebusy"}
)
USERINFO = frozenset({AUTH + "userinfo.email", AUTH + "userinfo.profile", "openid"})
_ALIASES = {"email": AUTH + "userinfo.email", "profile": AUTH + "userinfo.profile"}
KNOWN_SCOPES = WRITE_EVENTS | READ_EVENTS | READ_CALENDAR | FREEBUSY | USERINFO
SCOPE_LABELS = {
    EVENTS: "View and edit events on all your calendars",
    CALENDAR + ".freebusy": "View your availability in your calendars",
    CALENDAR + ".calendars.readonly": "See the title, time zone and other properties of calendars",
    CALENDAR: "See, edit, share, and permanently delete all your calendars",
}
EVENT_FIELDS = (
    "summary", "description", "location", "start", "end", "attendees", "extendedProperties",
    "visibility", "transparency", "colorId", "reminders", "source", "guestsCanModify",
    "guestsCanInviteOthers", "guestsCanSeeOtherGuests", "anyoneCanAddSelf",
)  # fmt: skip
# reason -> (status, domain, message), as documented in "Handle API errors".
REASONS: dict[str, tuple[int, str, str]] = {
    "rateLimitExceeded": (403, "usageLimits", "Rate Limit Exceeded"),
    "userRateLimitExceeded": (403, "usageLimits", "User Rate Limit Exceeded"),
    "quotaExceeded": (403, "usageLimits", "Calendar usage limits exceeded."),
    "dailyLimitExceeded": (403, "usageLimits", "Daily Limit Exceeded"),
    "forbiddenForNonOrganizer": (
        403, "calendar", "Shared properties can only be changed by the organizer of the event."
    ),
    "forbidden": (403, "global", "Forbidden"),
    "insufficientPermissions": (403, "global", "Insufficient Permission"),
    "authError": (401, "global", "Invalid Credentials"),
    "notFound": (404, "global", "Not Found"),
    "deleted": (410, "global", "Resource has been deleted"),
    "duplicate": (409, "global", "The requested identifier already exists."),
    "conditionNotMet": (412, "global", "Precondition Failed"),
    "invalid": (400, "global", "Invalid Value"),
    "invalidConferenceType": (400, "global", "Invalid conference type value."),
    "badRequest": (400, "global", "Bad Request"),
    "timeRangeEmpty": (400, "calendar", "The specified time range is empty."),
    "backendError": (500, "global", "Backend Error"),
}  # fmt: skip
_EVENT_ID_CHARS = frozenset("abcdefghijklmnopqrstuv0123456789")


class Refuse(Exception):
    """Stops a handler with Google's answer (an error response)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def google_error(
    status: int,
    reason: str,
    message: str = "",
    *,
    domain: str = "",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Google's JSON error envelope."""
    _, default_domain, default_message = REASONS.get(reason, (status, "global", ""))
    message = message or default_message or reason
    if reason == "invalidConferenceType":
        reason = "invalid"  # Google's reason is the generic one; the message is the tell
    detail = {"domain": domain or default_domain, "reason": reason, "message": message}
    body = {"error": {"errors": [detail], "code": status, "message": message}}
    return Response.json(status, body, headers)


def rfc3339(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def oauth_error(status: int, error: str, description: str) -> Response:
    return Response.json(status, {"error": error, "error_description": description})


@dataclass
class Account:
    email: str
    timezone: str = "UTC"
    meet_enabled: bool = True
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, int] = field(default_factory=dict)  # event id -> pending reads left
    granted: dict[str, set[str]] = field(default_factory=dict)  # client id -> scopes


@dataclass
class AccessToken:
    email: str
    scopes: frozenset[str]
    expires_at: float
    refresh_token: str | None = None
    meet_allowed: bool = True  # False for a service account acting as itself


@dataclass
class RefreshToken:
    email: str
    client_id: str
    scopes: frozenset[str]
    issued_at: float
    revoked: bool = False


@dataclass
class ServiceAccount:
    client_email: str
    public_key_pem: str
    delegated: bool = True
    scopes: frozenset[str] | None = None  # delegated scopes; None = any


def page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f"</title></head><body>{body}</body></html>"
    )


def with_query(url: str, params: Mapping[str, str]) -> str:
    return url + ("&" if urlsplit(url).query else "?") + urlencode(params)


def scopes_of(values: Iterable[str]) -> frozenset[str]:
    scopes = frozenset(_ALIASES.get(v, v) for v in values)
    unknown = scopes - KNOWN_SCOPES
    if unknown:
        raise ValueError(", ".join(sorted(unknown)))
    return scopes
