"""Microsoft Graph failures as ProviderErrors.

Graph answers errors in one envelope, `{"error": {"code", "message", "innerError"}}`
(https://learn.microsoft.com/graph/errors), and the code says more than the status: a
403 may be a missing Teams policy (ask an admin) or a missing permission, a 404 may be a
deleted event (the meeting is gone) or a mistyped mailbox (fix the host). So we branch on
the code first. Messages are for people: they say what to do and never carry tokens.
"""

from __future__ import annotations

import re
from typing import Any

import httpx2

from convener.providers.base import (
    AuthenticationError,
    CapabilityMissing,
    MeetingGone,
    ProviderError,
    RateLimited,
)
from convener.providers.failures import HttpFailure

GRAPH = "Microsoft Graph"

# Graph says "TooManyRequests"; Outlook's own limiter says "ApplicationThrottled"
# ("Application is over its request limit."); both come with Retry-After.
THROTTLE_CODES = frozenset({"TooManyRequests", "ApplicationThrottled", "activityLimitReached"})

ME_NEEDS_DELEGATION = "/me request is only valid with delegated authentication flow"

TEAMS_POLICY_HELP = (
    "a Teams administrator must allow this app to create meetings for the user: run "
    "New-CsApplicationAccessPolicy -Identity Convener -AppIds <application id>, then "
    "Grant-CsApplicationAccessPolicy -PolicyName Convener -Identity <user> (or -Global); "
    "the policy can take up to 30 minutes to apply"
)


def _text(value: Any, limit: int = 300) -> str:
    """Graph's own message, on one line and bounded (it is shown in the UI)."""
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def envelope(response: httpx2.Response) -> tuple[str, str]:
    """(code, message) from Graph's error envelope; empty strings when the body is not one
    (a proxy's HTML page, an empty 5xx)."""
    try:
        data = response.json()
    except ValueError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    error = data.get("error")
    if isinstance(error, dict):
        code = str(error.get("code") or "")
        inner = error.get("innerError") or error.get("innererror")
        if not code and isinstance(inner, dict):
            code = str(inner.get("code") or "")
        return code, _text(error.get("message"))
    if isinstance(error, str):  # the identity platform's shape, {"error", "error_description"}
        return error, _text(data.get("error_description"))
    return "", ""


# Graph's codes for an event or meeting that is not there (rather than a user or mailbox).
_ITEM_NOT_FOUND = frozenset({"ErrorItemNotFound", "ErrorObjectNotFound"})


class GraphFailure(HttpFailure):
    """A failed Graph answer: the shared ladder, with Graph's codes where they say more."""

    service = GRAPH
    # 409/412 are Exchange's write conflicts (ErrorIrresolvableConflict): a retry reads
    # the new change key; 408 is the service's own timeout.
    retry_statuses = frozenset({408, 409, 412})

    def __init__(self, response: httpx2.Response, *, action: str) -> None:
        super().__init__(response, action=action)
        self.code, self.message = envelope(response)
        parts = (self.code, self.message)
        self.said = f" ({': '.join(p for p in parts if p)})" if self.code or self.message else ""

    def outranking(self) -> ProviderError | None:
        return self.rate_limited() if self.code in THROTTLE_CODES else None

    def rate_limited(self) -> ProviderError:
        retry_after = self.retry_after
        when = (
            f"retrying in {retry_after:g} s" if retry_after is not None else "retrying with backoff"
        )
        return RateLimited(
            f"{GRAPH} rate limit ({self.code or self.status}) while trying to {self.action};"
            f" {when}",
            retry_after=retry_after,
            status=self.status,
            code=self.code,
        )

    def credentials_refused(self) -> ProviderError:
        return AuthenticationError(
            f"{GRAPH} refused the connection's access token{self.said}; reconnect the"
            " Microsoft account",
            status=self.status,
            code=self.code,
        )

    def refined(self) -> ProviderError | None:
        status, code, action, said = self.status, self.code, self.action, self.said
        if ME_NEEDS_DELEGATION in self.message:
            return self.give_up(
                f"{GRAPH} refused to {action}: this connection is app-only (client"
                " credentials), which cannot act as /me; it must act on a named user"
                " (/users/{email}), so the meeting needs a host with a mailbox in the"
                " organization",
                code=code or "BadRequest",
            )
        if code == "MailboxNotEnabledForRESTAPI":
            return CapabilityMissing(
                f"{GRAPH} cannot {action}: the account has no Exchange Online mailbox (it is "
                "inactive, on-premises, or unlicensed), so it cannot hold Teams meetings",
                status=status,
                code=code,
            )
        if status == 403:
            lowered = self.message.lower()
            teams_policy = (
                code == "Unauthorized"
                or ("not authorized to" in lowered and "meeting" in lowered)
                or "application access policy" in lowered
            )
            if teams_policy:
                return CapabilityMissing(
                    f"{GRAPH} refused to {action}{said}: {TEAMS_POLICY_HELP}",
                    status=status,
                    code=code,
                )
            return CapabilityMissing(
                f"{GRAPH} refused to {action}{said}: the connection lacks permission on this "
                "mailbox; it needs Calendars.ReadWrite (reconnect and consent to it, or for an "
                "app-only connection an administrator grants the application permission)",
                status=status,
                code=code,
            )
        if status == 404 and code not in _ITEM_NOT_FOUND:
            return self.give_up(
                f"{GRAPH} refused to {action}{said}: the user or mailbox was not found; check "
                "the host's email address"
            )
        return None

    def gone(self) -> ProviderError:
        return MeetingGone(
            f"the Teams meeting no longer exists in Outlook{self.said}",
            status=self.status,
            code=self.code,
        )

    def server_error(self) -> ProviderError:
        return self.retry_later(
            f"{GRAPH} failed to {self.action} (HTTP {self.status}"
            f"{', ' + self.code if self.code else ''}); retrying",
            retry_after=self.retry_after,
        )

    def busy(self) -> ProviderError:
        return self.server_error()

    def refused(self) -> ProviderError:
        return self.give_up(
            f"{GRAPH} refused to {self.action}{self.said or f' (HTTP {self.status})'}"
        )

    def unexpected(self) -> ProviderError:
        return self.retry_later(
            f"{GRAPH} answered HTTP {self.status} when asked to {self.action}; retrying"
        )


def graph_error(response: httpx2.Response, *, action: str) -> ProviderError:
    """The exception for a Graph response that was not a success. `action` completes
    "Microsoft Graph refused to ..." (e.g. "create the Teams meeting")."""
    return GraphFailure(response, action=action).error()


def transport_error(exc: httpx2.TransportError, *, action: str) -> ProviderError:
    """Timeouts and dropped connections: the call may or may not have been carried out,
    so they are transient and the retry relies on the idempotency key."""
    if isinstance(exc, httpx2.TimeoutException):
        reason = "did not answer in time"
    else:
        reason = f"could not be reached ({type(exc).__name__})"
    return ProviderError(f"{GRAPH} {reason} while trying to {action}; retrying", permanent=False)


def malformed(what: str, *, action: str) -> ProviderError:
    """A 2xx whose body lacks what Graph documents: transient (a proxy, a partial answer)."""
    return ProviderError(
        f"{GRAPH} answered without {what} when asked to {action}; retrying", permanent=False
    )
