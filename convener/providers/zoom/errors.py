"""Zoom's failures, turned into Convener's ProviderError tree with messages for people.

Zoom answers errors in three shapes, so everything here parses defensively:

    API errors      {"code": 3001, "message": "...", "errors": [{"field", "message"}]}
    token errors    {"reason": "Invalid Token!", "error": "invalid_grant"}
    some errors     <error><code>300</code><message>...</message></error>   (XML)

We branch on Zoom's `code` first and on the HTTP status second, because Zoom reuses
statuses: 400 means anything from "bad passcode" (fix the input) to "this user may not
host" (fix the account), and its daily cap was documented as HTTP 300 before it became 429.
See https://developers.zoom.us/docs/api/rest/error-definitions/ and .../rate-limits/.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import datetime

import httpx2

from convener.providers.base import (
    AuthenticationError,
    CapabilityMissing,
    MeetingGone,
    ProviderError,
    QuotaExhausted,
    RateLimited,
)
from convener.providers.failures import HttpFailure
from convener.providers.http import parse_retry_after, seconds_until_utc_midnight

# Zoom error codes we act on (https://developers.zoom.us/docs/api/rest/error-definitions/).
INVALID_TOKEN = 124
VALIDATION_FAILED = 300
USER_NOT_FOUND = 1001
USER_NOT_IN_ACCOUNT = 1010
GENERIC_MEETING_ERROR = 3000
MEETING_NOT_FOUND = 3001
HOST_NOT_ALLOWED = 3161
MISSING_SCOPES = frozenset({4700, 4711})
RATE_LIMITED = 429

DAILY_LIMIT = 100  # creates+updates per host per UTC day; Zoom's message repeats the number

_MESSAGE_LIMIT = 300  # Zoom messages are short; anything longer is an HTML error page


@dataclass(frozen=True)
class ZoomError:
    """What an error response said, whichever shape it came in."""

    code: int | None = None
    message: str = ""
    error: str = ""  # token endpoint shape: OAuth error name
    field_errors: tuple[str, ...] = ()  # "field: message" from a validation failure

    def describe(self) -> str:
        text = self.message or self.error
        if not self.field_errors:
            return text
        details = "; ".join(self.field_errors)
        return f"{text} ({details})" if text else details


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


_XML_CODE = re.compile(r"<code>\s*(\d+)\s*</code>", re.IGNORECASE)
_XML_MESSAGE = re.compile(r"<message>(.*?)</message>", re.IGNORECASE | re.DOTALL)


def read_error(response: httpx2.Response) -> ZoomError:
    """Parse an error body in any of Zoom's shapes; never raises.

    XML is read with two regular expressions rather than an XML parser: we only need two
    elements, and a parser on untrusted input invites entity-expansion tricks.
    """
    try:
        text = response.text
    except (UnicodeDecodeError, LookupError, httpx2.HTTPError):
        return ZoomError()
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            payload = json.loads(stripped)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            field_errors = []
            for item in payload.get("errors") or ():
                if isinstance(item, dict):
                    name = str(item.get("field") or "").strip()
                    what = str(item.get("message") or "").strip()
                    field_errors.append(f"{name}: {what}" if name else what)
            return ZoomError(
                code=_as_int(payload.get("code")),
                message=_short(str(payload.get("message") or payload.get("reason") or "")),
                error=payload["error"] if isinstance(payload.get("error"), str) else "",
                field_errors=tuple(_short(f) for f in field_errors if f),
            )
    if stripped.startswith("<") and "<error" in stripped.lower():
        code = _XML_CODE.search(stripped)
        message = _XML_MESSAGE.search(stripped)
        return ZoomError(
            code=int(code.group(1)) if code else None,
            message=_short(html.unescape(message.group(1))) if message else "",
        )
    return ZoomError()  # HTML from a gateway, or nothing at all: only the status is known


def _host_label(host: str | None) -> str:
    return f"host {host}" if host else "this host"


def _is_daily_limit(response: httpx2.Response, error: ZoomError) -> bool:
    if response.status_code == 300:  # the older spec's status for exactly this case
        return True
    if response.headers.get("X-RateLimit-Type", "").lower().startswith("daily"):
        return True
    return "daily" in error.message.lower()


def _until_daily_reset(response: httpx2.Response, now: datetime | None) -> float:
    """Zoom resets the per-host counter at 00:00 UTC and may say so in Retry-After as a
    timestamp ("2020-05-31T00:00:00Z"). A bare number there is not trusted for a daily
    cap (a proxy's guess would make us hammer Zoom all day), nor is a time in the past."""
    header = (response.headers.get("Retry-After") or "").strip()
    if header and not header.replace(".", "", 1).isdigit():
        seconds = parse_retry_after(header, now=now)
        if seconds:
            return seconds
    return seconds_until_utc_midnight(now)


def _daily_limit(
    response: httpx2.Response, error: ZoomError, *, host: str | None, now: datetime | None
) -> QuotaExhausted:
    """Two daily limits answer alike: the per-host cap on meeting creates+updates (the
    message names "Create/Update" and "this particular user"; HTTP 300 in the older
    spec) and the account's daily quota of an API, shared by all its apps."""
    wait = _until_daily_reset(response, now)
    text = error.message.lower()
    if response.status_code == 300 or "create/update" in text or "particular user" in text:
        limit = re.search(r"\((\d+)\)", error.message)
        return QuotaExhausted(
            f"Zoom daily limit of {limit.group(1) if limit else DAILY_LIMIT} creates/updates "
            f"for {_host_label(host)} reached; resumes at 00:00 UTC",
            retry_after=wait,
            status=response.status_code,
            code="daily_limit",
        )
    return QuotaExhausted(
        "Zoom daily API limit of this Zoom account reached (shared by all its apps); "
        "resumes when Zoom's daily counter resets",
        retry_after=wait,
        status=response.status_code,
        code="account_daily_limit",
    )


def _scopes_named(message: str) -> str:
    found = re.search(r"scopes?\s*:?\s*\[([^\]]*)\]", message)
    return ", ".join(s.strip() for s in found.group(1).split(",") if s.strip()) if found else ""


class ZoomFailure(HttpFailure):
    """A failed Zoom answer: the shared ladder, with Zoom's codes where it reuses statuses."""

    service = "Zoom"
    # Zoom says a meeting is gone with code 3001; a bare 404 may be a mistyped user.
    gone_statuses = frozenset()
    retry_statuses = frozenset({408, 409, 423, 425})  # timing conflicts: can succeed later

    def __init__(
        self,
        response: httpx2.Response,
        *,
        action: str,
        host: str | None = None,
        meeting_id: str | None = None,
        scope: str = "",
        now: datetime | None = None,
    ) -> None:
        super().__init__(response, action=action, now=now)
        self.parsed = read_error(response)
        self.host = host
        self.meeting_id = meeting_id
        self.scope = scope
        self.said = self.parsed.describe()
        self.code = str(self.parsed.code) if self.parsed.code is not None else ""

    def outranking(self) -> ProviderError | None:
        error, code = self.parsed, self.parsed.code
        if self.status in (429, 300) or code == RATE_LIMITED:
            if _is_daily_limit(self.response, error):
                return _daily_limit(self.response, error, host=self.host, now=self.now)
            return self.rate_limited()
        if code in MISSING_SCOPES or "does not contain scope" in error.message.lower():
            needed = _scopes_named(error.message) or self.scope or "the meeting scopes"
            return AuthenticationError(
                f"The Zoom app was not granted the scope {needed}: add it to the app in the "
                "Zoom App Marketplace, then reconnect the account",
                status=self.status,
                code=self.code or "4700",
            )
        if code == INVALID_TOKEN:
            return self.credentials_refused()
        return None

    def rate_limited(self) -> ProviderError:
        return RateLimited(
            "Zoom rate limit (requests per second); retrying",
            retry_after=self.retry_after,
            status=self.status,
            code=self.code or "rate_limit",
        )

    def credentials_refused(self) -> ProviderError:
        return AuthenticationError(
            f"Zoom refused the access token ({self.said or 'HTTP 401'}); reconnect the Zoom"
            " account",
            status=self.status,
            code=self.code or self.parsed.error or "401",
        )

    def refined(self) -> ProviderError | None:
        code, said, host = self.parsed.code, self.said, self.host
        if code == MEETING_NOT_FOUND:
            meeting = f"Zoom meeting {self.meeting_id}" if self.meeting_id else "The Zoom meeting"
            return MeetingGone(
                f"{meeting} no longer exists (deleted in Zoom, or expired)",
                status=self.status,
                code=self.code,
            )
        if code in (USER_NOT_FOUND, USER_NOT_IN_ACCOUNT):
            where = "in this Zoom account" if code == USER_NOT_IN_ACCOUNT else "at Zoom"
            return self.give_up(
                f"Zoom user {host or '(the connected user)'} does not exist {where}: check the "
                f"host's email ({said})"
            )
        if code == HOST_NOT_ALLOWED:
            return CapabilityMissing(
                f"Zoom user {host or '(the connected user)'} may not host or schedule meetings "
                f"({said}): give the user a Meetings license or the host permission in Zoom",
                status=self.status,
                code=self.code,
            )
        if code == GENERIC_MEETING_ERROR and "cannot schedule" in self.parsed.message.lower():
            return CapabilityMissing(
                f"Zoom refused to {self.action} ({said}): check that the connected account may "
                f"schedule meetings for {_host_label(host)}",
                status=self.status,
                code=self.code,
            )
        return None

    def server_error(self) -> ProviderError:
        return self.retry_later(
            f"Zoom had a server error (HTTP {self.status}"
            f"{', code ' + self.code if self.code else ''}) while trying to {self.action};"
            " retrying",
            retry_after=self.retry_after,
        )

    def busy(self) -> ProviderError:
        return self.retry_later(
            f"Zoom could not {self.action} right now ({self.said or f'HTTP {self.status}'});"
            " retrying"
        )

    def refused(self) -> ProviderError:
        return self.give_up(f"Zoom refused to {self.action}: {self.said or f'HTTP {self.status}'}")


def error_from_response(
    response: httpx2.Response,
    *,
    action: str,
    host: str | None = None,
    meeting_id: str | None = None,
    scope: str = "",
    now: datetime | None = None,
) -> ProviderError:
    """The ProviderError for a Zoom answer that was not the expected success.

    `action` completes "Zoom refused to ..." ("create the meeting"); `host` is the host's
    email when known; `scope` is the scope the call needs, named when Zoom does not.
    """
    return ZoomFailure(
        response, action=action, host=host, meeting_id=meeting_id, scope=scope, now=now
    ).error()


def error_from_transport(exc: httpx2.RequestError, *, action: str) -> ProviderError:
    """Timeouts and dropped connections are transient. The request may have been carried
    out (a create in particular): the caller retries with reconciliation, never blindly."""
    if isinstance(exc, httpx2.TimeoutException):
        text = f"Zoom did not answer in time while trying to {action}; retrying"
    else:
        text = f"could not reach Zoom to {action} ({type(exc).__name__}); retrying"
    return ProviderError(text, permanent=False, code="transport")
