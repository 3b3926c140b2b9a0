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
from convener.providers.http import parse_retry_after

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


def graph_error(response: httpx2.Response, *, action: str) -> ProviderError:
    """The exception for a Graph response that was not a success. `action` completes
    "Microsoft Graph refused to ..." (e.g. "create the Teams meeting")."""
    status = response.status_code
    code, message = envelope(response)
    said = f" ({': '.join(part for part in (code, message) if part)})" if code or message else ""
    retry_after = parse_retry_after(response.headers.get("Retry-After"))

    if status == 429 or code in THROTTLE_CODES:
        when = (
            f"retrying in {retry_after:g} s" if retry_after is not None else "retrying with backoff"
        )
        return RateLimited(
            f"{GRAPH} rate limit ({code or status}) while trying to {action}; {when}",
            retry_after=retry_after,
            status=status,
            code=code,
        )
    if status == 401:
        return AuthenticationError(
            f"{GRAPH} refused the connection's access token{said}; reconnect the Microsoft account",
            status=status,
            code=code,
        )
    if ME_NEEDS_DELEGATION in message:
        return ProviderError(
            f"{GRAPH} refused to {action}: this connection is app-only (client credentials), "
            "which cannot act as /me; it must act on a named user (/users/{email}), so the "
            "meeting needs a host with a mailbox in the organization",
            permanent=True,
            status=status,
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
        lowered = message.lower()
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
    if status in (404, 410):
        if code in {"ErrorItemNotFound", "ErrorObjectNotFound"} or status == 410:
            return MeetingGone(
                f"the Teams meeting no longer exists in Outlook{said}", status=status, code=code
            )
        return ProviderError(
            f"{GRAPH} refused to {action}{said}: the user or mailbox was not found; check "
            "the host's email address",
            permanent=True,
            status=status,
            code=code,
        )
    if status in (408, 409, 412) or status >= 500:
        # 409/412 are Exchange's write conflicts (ErrorIrresolvableConflict): a retry
        # reads the new change key; 5xx and 408 are the service's own trouble.
        return ProviderError(
            f"{GRAPH} failed to {action} (HTTP {status}{', ' + code if code else ''}); retrying",
            permanent=False,
            retry_after=retry_after,
            status=status,
            code=code,
        )
    if 400 <= status < 500:
        return ProviderError(
            f"{GRAPH} refused to {action}{said or f' (HTTP {status})'}",
            permanent=True,
            status=status,
            code=code,
        )
    return ProviderError(
        f"{GRAPH} answered HTTP {status} when asked to {action}; retrying",
        permanent=False,
        status=status,
        code=code,
    )


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
