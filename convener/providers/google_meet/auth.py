"""Connecting Google accounts: the OAuth app, service-account tokens, and who an account is.

Scopes (least privilege that still works; each is checked by Google per method, see the
calendar v3 discovery document):

- ``calendar.events``: insert, patch, delete and read events, which is how Meet links
  are made. Not ``calendar`` (that one also shares and deletes whole calendars).
- ``calendar.freebusy``: ``freeBusy.query`` for smart scheduling. ``calendar.events`` alone
  is reportedly refused there; this scope shows only busy times, no event details.
- ``calendar.calendars.readonly``: ``calendars.get`` on ``primary``, whose id is the account's
  email and whose ``conferenceProperties`` say whether Meet is allowed. Neither scope
  above permits ``calendars.get``.

User accounts go through the authorization code flow with ``access_type=offline`` and
``prompt=consent`` (Google issues a refresh token only then, and never rotates it).
Google Workspace organizations may instead use a service account with domain-wide
delegation: it signs a JWT per host (``sub`` = the host's email) and gets an access token
for that user; a service account acting as itself cannot make Meet links.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx2
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from convener.providers.base import (
    AccountIdentity,
    AuthenticationError,
    ProviderError,
    RateLimited,
)
from convener.providers.google_meet.errors import (
    error_from_response,
    error_from_transport,
    parse_error,
)
from convener.providers.google_meet.events import free_busy_body
from convener.providers.http import DEFAULT_TIMEOUT_SECONDS, make_client, parse_retry_after
from convener.providers.oauth import OAuthApp, TokenSet

EVENTS_SCOPE = "https://www.googleapis.com/auth/calendar.events"
FREEBUSY_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
CALENDARS_READ_SCOPE = "https://www.googleapis.com/auth/calendar.calendars.readonly"
SCOPES = (EVENTS_SCOPE, FREEBUSY_SCOPE, CALENDARS_READ_SCOPE)
# Broader scopes that also cover each need, for accounts connected with them.
_COVERS = {
    EVENTS_SCOPE: {EVENTS_SCOPE, "https://www.googleapis.com/auth/calendar"},
    FREEBUSY_SCOPE: {
        FREEBUSY_SCOPE,
        "https://www.googleapis.com/auth/calendar.events.freebusy",
        "https://www.googleapis.com/auth/calendar.readonly",
        "https://www.googleapis.com/auth/calendar",
    },
    CALENDARS_READ_SCOPE: {
        CALENDARS_READ_SCOPE,
        "https://www.googleapis.com/auth/calendar.calendars",
        "https://www.googleapis.com/auth/calendar.readonly",
        "https://www.googleapis.com/auth/calendar",
    },
}
_SCOPE_NEEDS = {
    EVENTS_SCOPE: "make meetings: allow Convener to view and edit events on your calendars",
    FREEBUSY_SCOPE: "see when the host is busy: allow Convener to view your availability",
    CALENDARS_READ_SCOPE: "read the calendar's settings: allow Convener to see calendar properties",
}
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_REQUIRED_KEY_FIELDS = ("type", "client_email", "private_key")
_MAX_ASSERTION_LIFETIME = timedelta(hours=1)  # Google refuses longer-lived assertions
# freeBusy probe and an events.list filtered on a marker no event carries: they show
# whether a permission was granted without reading anyone's events.
_PROBE_FILTER = "convenerKey=convener-permission-probe"


def oauth_app(
    *, client_id: str, client_secret: str, authorize_url: str, token_url: str
) -> OAuthApp:
    return OAuthApp(
        provider_name="Google",
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=authorize_url,
        token_url=token_url,
        scopes=SCOPES,
        authorize_params={
            "access_type": "offline",  # a refresh token at all ...
            "prompt": "consent",  # ... and again on a reconnect, not only the first time
            "include_granted_scopes": "true",
        },
        pkce=True,  # Google takes the secret in the form: the default auth method
    )


def scope_problems(granted: str | Iterable[str]) -> tuple[str, ...]:
    """What a connection cannot do, from the scopes Google granted (TokenSet.scope).

    Google's consent screen lets people untick single permissions, so the granted scopes
    can be fewer than the requested ones.
    """
    have = set(granted.split() if isinstance(granted, str) else granted)
    return tuple(
        f"Google did not grant the permission to {_SCOPE_NEEDS[scope]} (reconnect and tick it)"
        for scope in SCOPES
        if not have & _COVERS[scope]
    )


# -- service accounts ----------------------------------------------------------------
def validate_service_account_key(key_info: Mapping[str, Any]) -> RSAPrivateKey:
    """Check an uploaded service-account key file; ValueError names what is wrong."""
    if not isinstance(key_info, Mapping):
        raise ValueError("the service account key must be a JSON object")
    for name in _REQUIRED_KEY_FIELDS:
        if not isinstance(key_info.get(name), str) or not key_info[name].strip():
            raise ValueError(f"the service account key has no {name!r}")
    if key_info["type"] != "service_account":
        raise ValueError(
            f"the key's 'type' is {key_info['type']!r}, expected 'service_account'"
            " (download a JSON key from IAM > Service accounts > Keys)"
        )
    try:
        key = load_pem_private_key(key_info["private_key"].encode(), password=None)
    except (ValueError, TypeError):
        raise ValueError(
            "the service account key's 'private_key' is not a PEM private key"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the service account key's 'private_key' is not an RSA key")
    return key


def service_account_token(
    key_info: Mapping[str, Any],
    *,
    subject: str,
    scopes: Iterable[str] = SCOPES,
    token_url: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    transport: httpx2.BaseTransport | None = None,
    now: datetime | None = None,
) -> TokenSet:
    """An access token for `subject` through domain-wide delegation (RFC 7523 JWT bearer).

    `token_url` comes from settings, never from the key file's ``token_uri``, so tests and
    the fake are hit instead of Google. An empty `subject` gets a token for the service
    account itself, which Google refuses to make Meet links with. No refresh token: mint
    a new one when this expires (one hour).
    """
    key = validate_service_account_key(key_info)
    scope = " ".join(scopes)
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": key_info["client_email"],
        "scope": scope,
        "aud": token_url,
        "iat": int(issued.timestamp()),
        "exp": int((issued + _MAX_ASSERTION_LIFETIME).timestamp()),
    }
    if subject:
        claims["sub"] = subject
    headers = {"kid": key_info["private_key_id"]} if key_info.get("private_key_id") else None
    assertion = jwt.encode(claims, key, algorithm="RS256", headers=headers)
    try:
        with make_client("", timeout=timeout, transport=transport) as client:
            response = client.post(
                token_url, data={"grant_type": JWT_BEARER, "assertion": assertion}
            )
    except httpx2.TransportError as exc:
        raise ProviderError(
            f"Cannot reach Google to issue a service account token ({type(exc).__name__})",
            permanent=False,
        ) from None
    return _token_from(response, key_info=key_info, subject=subject, scope=scope)


def _token_from(
    response: httpx2.Response, *, key_info: Mapping[str, Any], subject: str, scope: str
) -> TokenSet:
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise ProviderError(
            f"Google's token endpoint answered HTTP {response.status_code} without JSON",
            permanent=False,
            status=response.status_code,
        )
    if response.is_success and payload.get("access_token"):
        lifetime = payload.get("expires_in")
        return TokenSet(
            access_token=str(payload["access_token"]),
            # Google says 3599; anything unreadable is taken as its documented hour.
            expires_at=time.time()
            + (float(lifetime) if isinstance(lifetime, int | float) else 3600.0),
            scope=str(payload.get("scope") or scope),
        )
    error = str(payload.get("error") or "")
    description = str(payload.get("error_description") or "")[:200]
    who = f"{key_info['client_email']} acting as {subject}" if subject else key_info["client_email"]
    if response.status_code == 429:
        raise RateLimited(
            "Google's token endpoint is rate limiting",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            status=429,
        )
    if error == "unauthorized_client":
        raise AuthenticationError(
            f"Google refused a token for {who}: domain-wide delegation is not granted. In the"
            " Google Workspace Admin console (Security > API controls > Domain-wide"
            f" delegation) allow client ID {key_info.get('client_id') or '(see key file)'}"
            f" the scopes {scope}; new grants can take up to 24 hours",
            status=response.status_code,
            code=error,
        )
    if error in {"invalid_grant", "invalid_client", "invalid_scope", "access_denied"}:
        raise AuthenticationError(
            f"Google refused a token for {who}: {error}"
            + (f" ({description})" if description else ""),
            status=response.status_code,
            code=error,
        )
    raise ProviderError(
        f"Google's token endpoint failed for {who}: {error or f'HTTP {response.status_code}'}",
        permanent=response.status_code < 500 and response.status_code != 408,
        status=response.status_code,
        code=error,
    )


# -- identity ------------------------------------------------------------------------
def identify(
    http: httpx2.Client, *, app_only: bool, host_email: str | None = None
) -> AccountIdentity:
    """Who the account is (its primary calendar's id is its email) and what it lacks.

    For a service account, `http` carries a token minted for the subject and `host_email`
    is that subject: the same call then reads the subject's calendar. `app_only` is never
    true for Google (Meet needs a user), but then `host_email`'s calendar is read.
    """
    calendar = quote(host_email, safe="@") if app_only and host_email else "primary"
    action = "read who the Google account is"
    response = _call(http, "GET", f"/calendar/v3/calendars/{calendar}", action=action)
    if not response.is_success:
        raise error_from_response(response, action=action)
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        payload = {}
    email = payload.get("id")
    if not isinstance(email, str) or "@" not in email:
        raise ProviderError(
            "Google's calendar answer has no account email (calendar id); retrying",
            permanent=False,
            code="malformed",
        )
    problems: list[str] = []
    conference = payload.get("conferenceProperties")
    allowed = (
        conference.get("allowedConferenceSolutionTypes") if isinstance(conference, dict) else None
    )
    if isinstance(allowed, list) and "hangoutsMeet" not in allowed:
        problems.append(
            f"Google Meet is not available on {email}'s calendar: a service account must act"
            " as a user (domain-wide delegation with a subject), and a Workspace"
            " administrator may have turned Meet off for this user"
        )
    if host_email and host_email.lower() != email.lower():
        problems.append(f"The Google account is {email}, not the host {host_email}")
    problems.extend(_probe(http, calendar))
    summary = payload.get("summary")
    name = summary if isinstance(summary, str) and summary != email else ""
    return AccountIdentity(external_id=email, email=email, name=name, problems=tuple(problems))


def _probe(http: httpx2.Client, calendar: str) -> list[str]:
    """Try a harmless read for each permission; a refusal becomes a problem to show."""
    now = datetime.now(UTC)
    checks = (
        (
            EVENTS_SCOPE,
            "GET",
            f"/calendar/v3/calendars/{calendar}/events",
            {"maxResults": "1", "privateExtendedProperty": _PROBE_FILTER},
            None,
        ),
        (
            FREEBUSY_SCOPE,
            "POST",
            "/calendar/v3/freeBusy",
            None,
            free_busy_body(calendar, now, now + timedelta(minutes=1)),
        ),
    )
    problems = []
    for scope, method, path, params, body in checks:
        response = _call(http, method, path, action="check permissions", params=params, json=body)
        if response.is_success:
            continue
        if parse_error(response).reason in {"insufficientPermissions", "forbidden"}:
            problems.append(f"Google does not let Convener {_SCOPE_NEEDS[scope]} (reconnect)")
            continue
        raise error_from_response(response, action="check the account's permissions")
    return problems


def _call(
    http: httpx2.Client,
    method: str,
    path: str,
    *,
    action: str,
    params: Mapping[str, str] | None = None,
    json: Mapping[str, Any] | None = None,
) -> httpx2.Response:
    try:
        return http.request(method, path, params=params, json=json)
    except httpx2.TransportError as exc:
        raise error_from_transport(exc, action=action) from None
