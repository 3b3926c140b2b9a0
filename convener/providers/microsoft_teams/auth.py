"""Connecting Microsoft accounts: the OAuth app, the app-only grant, and who connected.

Two kinds of connection:

- delegated: a person signs in through the identity platform's consent page
  (`{login}/{tenant}/oauth2/v2.0/authorize`); Convener acts as them through /me.
  Refresh tokens are replaced on every use, but the old one stays valid (unlike Zoom's).
- app-only: an administrator registers a client secret for the organization; Convener
  asks for a token with client_credentials and acts on named users (/users/{email}).

`identify` runs right after connecting and says, in plain words, what the account lacks
to make Teams meetings, before any meeting fails for it.
"""

from __future__ import annotations

import re
from typing import Any

import httpx2

from convener.providers.base import AccountIdentity, ProviderError
from convener.providers.http import DEFAULT_TIMEOUT_SECONDS
from convener.providers.microsoft_teams.client import ME, body_object, send, text_field, user_path
from convener.providers.microsoft_teams.errors import TEAMS_POLICY_HELP, graph_error
from convener.providers.oauth import OAuthApp, TokenSet, client_grant

LOGIN_URL = "https://login.microsoftonline.com"
PROVIDER_NAME = "Microsoft"
GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"
# The tenant of every personal Microsoft account (the `tid` claim of their tokens).
CONSUMER_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad"
# Tenant aliases that name no directory: fine for sign-in, useless for client credentials.
TENANT_ALIASES = frozenset({"common", "organizations", "consumers"})

SCOPES: tuple[str, ...] = (
    # Without offline_access the identity platform returns no refresh token, and the
    # connection would die with its first access token (about an hour).
    "offline_access",
    # Create, move and cancel the calendar event that carries the Teams meeting; read
    # /me/calendar (allowedOnlineMeetingProviders) and free/busy through getSchedule.
    "Calendars.ReadWrite",
    # The Teams meeting object behind each event (lobby, passcode, attendance), and the
    # standalone meeting API; asked up front so using it later needs no second consent.
    "OnlineMeetings.ReadWrite",
    # GET /me: the connected person's id, address and name.
    "User.Read",
)

PERSONAL_ACCOUNT_PROBLEM = (
    "personal Microsoft accounts cannot create Teams meetings; connect a work or school account"
)
# Work and school user ids are GUIDs; personal accounts have a 16-hex-digit id (CID).
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# An address no meeting has: with the policy, Graph finds nothing; without it, 403.
_POLICY_PROBE = "https://teams.microsoft.com/l/meetup-join/convener-policy-check"


def endpoints(login_url: str = LOGIN_URL, tenant: str = "common") -> tuple[str, str]:
    """The authorize and token URLs of a tenant (or of `common`)."""
    base = f"{login_url.rstrip('/')}/{tenant.strip() or 'common'}/oauth2/v2.0"
    return f"{base}/authorize", f"{base}/token"


def oauth_app(
    *,
    client_id: str,
    client_secret: str,
    login_url: str = LOGIN_URL,
    tenant: str = "common",
    authorize_url: str | None = None,
    token_url: str | None = None,
) -> OAuthApp:
    """The delegated OAuth app. URLs default to `{login_url}/{tenant}/oauth2/v2.0/…`;
    `common` lets anyone sign in and leaves the personal-account check to `identify`."""
    default_authorize, default_token = endpoints(login_url, tenant)
    return OAuthApp(
        provider_name=PROVIDER_NAME,
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=authorize_url or default_authorize,
        token_url=token_url or default_token,
        scopes=SCOPES,
        authorize_params={
            # Show the account picker even when one account is signed in, so people
            # connect the account they mean (often a work one next to a personal one).
            "prompt": "select_account",
            "response_mode": "query",
        },
        pkce=True,  # the identity platform accepts PKCE from confidential clients too
    )


def app_token(
    *,
    login_url: str,
    tenant_id: str,
    client_id: str,
    client_secret: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    transport: httpx2.BaseTransport | None = None,
) -> TokenSet:
    """An app-only Graph token (client credentials; no refresh token: ask again)."""
    if tenant_id.strip().lower() in TENANT_ALIASES or not tenant_id.strip():
        raise ProviderError(
            "app-only Microsoft connections need the organization's directory (tenant) id "
            f"or domain, not {tenant_id.strip() or 'an empty value'!r}",
            permanent=True,
        )
    _, token_url = endpoints(login_url, tenant_id)
    app = OAuthApp(
        provider_name=PROVIDER_NAME,
        client_id=client_id,
        client_secret=client_secret,
        authorize_url="",
        token_url=token_url,
        scopes=(GRAPH_DEFAULT_SCOPE,),
        pkce=False,
    )
    form = {"grant_type": "client_credentials", "scope": GRAPH_DEFAULT_SCOPE}
    return client_grant(app, form, timeout=timeout, transport=transport)


def _get(http: httpx2.Client, path: str, *, action: str, select: str) -> dict[str, Any]:
    response = send(http, "GET", path, action=action, params={"$select": select})
    return body_object(response, action=action)


def _teams_problem(email: str, calendar: dict[str, Any]) -> str | None:
    allowed = calendar.get("allowedOnlineMeetingProviders")
    allowed = [str(p) for p in allowed] if isinstance(allowed, list) else []
    if "teamsForBusiness" in allowed:
        return None
    offered = ", ".join(allowed) or "none"
    return (
        f"Teams meetings are not enabled for {email} (its calendar offers: {offered}); "
        "a Microsoft 365 administrator must give the user a Teams license"
    )


def identify(
    http: httpx2.Client, *, app_only: bool, host_email: str | None = None
) -> AccountIdentity:
    """Who the account is and what it lacks for Teams meetings.

    Delegated: reads /me and /me/calendar. A personal Microsoft account (a 16-digit id,
    not a GUID, and no teamsForBusiness among its calendar's providers) gets a problem.
    App-only: reads /users/{host_email}, its calendar, and probes the Teams application
    access policy; a refusal becomes a problem saying what the administrator must run.
    """
    if app_only:
        if not host_email or not host_email.strip():
            raise ProviderError(
                "an app-only Microsoft connection is checked against a user: give the email "
                "of a user it will make meetings for",
                permanent=True,
            )
        base = user_path(host_email)
    else:
        base = ME
    who = host_email.strip() if app_only and host_email else "the signed-in account"
    user = _get(
        http,
        base,
        action=f"read {who}",
        select="id,mail,userPrincipalName,displayName",
    )
    user_id = text_field(user, "id")
    email = text_field(user, "mail") or text_field(user, "userPrincipalName")
    if not user_id or not email:
        raise ProviderError(
            f"Microsoft Graph answered without the id or address of {who}; retrying",
            permanent=False,
        )
    problems: list[str] = []
    personal = not _GUID.match(user_id)
    if personal:
        problems.append(PERSONAL_ACCOUNT_PROBLEM)

    action = f"read the calendar of {email}"
    response = send(
        http,
        "GET",
        f"{base}/calendar",
        action=action,
        params={"$select": "allowedOnlineMeetingProviders,defaultOnlineMeetingProvider"},
        tolerate=(403, 404),
    )
    if response.status_code >= 400:
        problems.append(graph_error(response, action=action).message)
    elif not personal:
        problem = _teams_problem(email, body_object(response, action=action))
        if problem:
            problems.append(problem)

    if app_only and not personal:
        probe = send(
            http,
            "GET",
            f"{user_path(user_id)}/onlineMeetings",
            action=f"check the Teams application access policy for {email}",
            params={"$filter": f"JoinWebUrl eq '{_POLICY_PROBE}'"},
            tolerate=(400, 403, 404),
        )
        if probe.status_code == 403:
            problems.append(
                f"the app may not create Teams meetings for {email}: {TEAMS_POLICY_HELP}"
            )

    return AccountIdentity(
        external_id=user_id,
        email=email,
        name=text_field(user, "displayName"),
        problems=tuple(problems),
    )
