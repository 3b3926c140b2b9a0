"""Google Calendar API failures mapped onto Convener's ProviderError tree.

Google's error body is ``{"error": {"code", "message", "errors": [{"domain", "reason",
"message"}], "status"}}`` and the HTTP status alone says too little: a 403 is "slow down"
(``usageLimits``), "never" (``forbiddenForNonOrganizer``) or "reconnect"
(``insufficientPermissions``). So we branch on ``errors[0].reason`` first and on the status
only when the reason is unknown. See "Handle API errors" and "Manage quotas":
https://developers.google.com/workspace/calendar/api/guides/errors

Messages are shown to people: they say what happened and what will happen next, and never
contain tokens (Google's own message is quoted, shortened; it holds no credentials).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

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

# Per-minute quotas (per project, per user): Google answers 403 or 429 with one of these.
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
# "Calendar usage limits exceeded.": the user's calendar went read-only for spam
# protection (typically many external guests). Google support says edits come back
# "within several hours", so retrying after seconds only burns attempts.
CALENDAR_USAGE_LIMIT_BACKOFF = 15 * 60.0
# Google answers this for a conference type the calendar does not allow; in practice a
# service account acting as itself (no subject) or an account without Google Meet.
INVALID_CONFERENCE_TYPE = "Invalid conference type value."
# Google's daily project quotas reset at midnight Pacific time.
_QUOTA_ZONE = ZoneInfo("America/Los_Angeles")
_MAX_QUOTED = 300


@dataclass(frozen=True)
class GoogleError:
    """The parts of a Google error body we branch on; empty strings when absent."""

    status: int
    reason: str = ""
    domain: str = ""
    message: str = ""


def parse_error(response: httpx2.Response) -> GoogleError:
    """Read Google's error envelope defensively (proxies answer HTML; bodies get cut)."""
    try:
        payload = response.json()
    except ValueError:
        return GoogleError(response.status_code)
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        # The token endpoint style {"error": "invalid_grant"} can show up on API hosts too.
        if isinstance(error, str):
            return GoogleError(response.status_code, reason=error)
        return GoogleError(response.status_code)
    first: dict[str, object] = {}
    errors = error.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
    message = error.get("message") or first.get("message") or ""
    return GoogleError(
        response.status_code,
        reason=str(first.get("reason") or ""),
        domain=str(first.get("domain") or ""),
        message=str(message)[:_MAX_QUOTED],
    )


def seconds_until_pacific_midnight(now: datetime | None = None) -> float:
    """Seconds until Google's daily quotas reset (00:00 America/Los_Angeles)."""
    now = (now or datetime.now(UTC)).astimezone(_QUOTA_ZONE)
    tomorrow = (now + timedelta(days=1)).date()
    reset = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=_QUOTA_ZONE)
    return max(1.0, (reset - now).total_seconds())


class GoogleFailure(HttpFailure):
    """A failed Google Calendar answer: the shared ladder, with Google's reasons first."""

    service = "Google Calendar"
    # Google says what to retry through its reasons (above); no status below 500 is
    # worth the same call again on its own, and neither is an answer of no known class.
    retry_statuses = frozenset()

    def __init__(self, response: httpx2.Response, *, action: str) -> None:
        super().__init__(response, action=action)
        self.parsed = parse_error(response)
        self.reason = self.parsed.reason
        self.code = self.reason
        self.label = f" ({self.reason})" if self.reason else ""

    def outranking(self) -> ProviderError | None:
        reason = self.reason
        if reason in RATE_LIMIT_REASONS:
            return self.rate_limited()
        if reason == "quotaExceeded":
            wait = max(self.retry_after or 0.0, CALENDAR_USAGE_LIMIT_BACKOFF)
            return RateLimited(
                "Google Calendar usage limits exceeded for this account while trying to"
                f" {self.action} (quotaExceeded). Google blocks edits for a while, often after"
                f" events with many external guests; retrying in {wait / 60:.0f} minutes",
                retry_after=wait,
                status=self.status,
                code=reason,
            )
        if reason == "dailyLimitExceeded":
            return QuotaExhausted(
                "The daily Google Calendar API quota of this Google Cloud project is used up"
                " (dailyLimitExceeded); resumes after midnight Pacific time",
                retry_after=self.retry_after or seconds_until_pacific_midnight(),
                status=self.status,
                code=reason,
            )
        return None

    def rate_limited(self) -> ProviderError:
        # Google promises no Retry-After here; None lets the caller back off exponentially.
        retry_after = self.retry_after
        after = f" after {retry_after:.0f} s" if retry_after else ""
        return RateLimited(
            f"Google Calendar rate limit{self.label or ' (HTTP 429)'} while trying to"
            f" {self.action}; retrying{after}",
            retry_after=retry_after,
            status=self.status,
            code=self.reason or "rateLimitExceeded",
        )

    def credentials_refused(self) -> ProviderError:
        return AuthenticationError(
            f"Google refused the account's credentials{self.label} while trying to"
            f" {self.action}; reconnect the Google account",
            status=self.status,
            code=self.reason or "authError",
        )

    def refined(self) -> ProviderError | None:
        reason = self.reason
        if reason in {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}:
            return AuthenticationError(
                f"The Google connection lacks a permission needed to {self.action} ({reason});"
                " reconnect the Google account and allow all the calendar access Convener"
                " asks for",
                status=self.status,
                code=reason,
            )
        if self.status == 400 and self.parsed.message.strip() == INVALID_CONFERENCE_TYPE:
            return CapabilityMissing(
                "This Google account cannot add Google Meet links to events (Google says"
                f' "{INVALID_CONFERENCE_TYPE}"). A service account must have domain-wide'
                " delegation and act as a user (a subject); otherwise the account has no"
                " Google Meet (turned off by the Workspace administrator)",
                status=self.status,
                code="invalidConferenceType",
            )
        if reason == "forbiddenForNonOrganizer":
            return self.give_up(
                f"Only the organizer can change this Google Calendar event{self.label}; the"
                " connected account is a guest, not the organizer"
            )
        return None

    def gone(self) -> ProviderError:
        return MeetingGone(
            f"The Google Calendar event is gone{self.label}: deleted in Google Calendar or"
            " never made",
            status=self.status,
            code=self.reason or ("deleted" if self.status == 410 else "notFound"),
        )

    def server_error(self) -> ProviderError:
        return self.retry_later(
            f"Google Calendar failed{self.label or f' (HTTP {self.status})'} while trying to"
            f" {self.action}; retrying",
            retry_after=self.retry_after,
            code=self.reason or "backendError",
        )

    def refused(self) -> ProviderError:
        quoted = f": {self.parsed.message}" if self.parsed.message else ""
        return self.give_up(
            f"Google Calendar refused to {self.action}{self.label or f' (HTTP {self.status})'}"
            f"{quoted}"
        )

    def unexpected(self) -> ProviderError:
        return self.refused()


def error_from_response(response: httpx2.Response, *, action: str) -> ProviderError:
    """The ProviderError for a failed Google Calendar call. `action` completes
    "while trying to ...", e.g. "create the meeting"."""
    return GoogleFailure(response, action=action).error()


def error_from_transport(exc: httpx2.TransportError, *, action: str) -> ProviderError:
    """Timeouts and dropped connections: transient. A write may have been carried out, so
    every retry goes through the idempotent paths (event id, 409 duplicate)."""
    if isinstance(exc, httpx2.TimeoutException):
        text = f"Google Calendar did not answer in time while trying to {action}"
    else:
        text = f"Cannot reach Google Calendar to {action}"
    return ProviderError(
        f"{text} ({type(exc).__name__}); retrying", permanent=False, code="transport"
    )
