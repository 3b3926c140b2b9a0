"""Connecting Zoom accounts: user OAuth, Server-to-Server OAuth, and who the account is.

Scopes. A user-managed OAuth app needs the classic scopes

    meeting:write   create, update and delete the user's meetings
    meeting:read    read them back and list them (reconciliation after a failed create)
    user:read       read the user's profile when connecting (identify)

and a Server-to-Server app the admin ones (`meeting:write:admin`, `meeting:read:admin`,
`user:read:admin`); apps created with granular scopes need their equivalents
(`meeting:write:meeting`, `meeting:read:meeting`, `meeting:read:list_meetings`,
`user:read:user`). They are chosen in the app's page on the Zoom App Marketplace, never
in the authorize URL: since 2021 Zoom refuses an authorize request that names scopes
("Invalid scope"), so `OAuthApp.scopes` is empty on purpose and `SCOPES` only documents.

Refresh tokens rotate and the previous one dies on first use, so every refresh must go
through the connection's lock and the new token must be stored before it is used.
https://developers.zoom.us/docs/integrations/oauth/
"""

from __future__ import annotations

import httpx2

from convener.providers.base import AccountIdentity, AuthenticationError, ProviderError
from convener.providers.http import DEFAULT_TIMEOUT_SECONDS
from convener.providers.oauth import OAuthApp, TokenSet, client_grant
from convener.providers.zoom.api import Call, read_object, send, user_path

SCOPES = ("meeting:write", "meeting:read", "user:read")
ADMIN_SCOPES = ("meeting:write:admin", "meeting:read:admin", "user:read:admin")

OAUTH_URL = "https://zoom.us"
AUTHORIZE_URL = f"{OAUTH_URL}/oauth/authorize"
TOKEN_URL = f"{OAUTH_URL}/oauth/token"

# Zoom user types (GET /users/{id} `type`) that cannot host meetings.
_NO_MEETINGS_LICENSE = {4: "Unassigned without Meetings Basic", 99: "None"}


def authorize_endpoint(oauth_url: str = OAUTH_URL) -> str:
    return f"{oauth_url.rstrip('/')}/oauth/authorize"


def token_endpoint(oauth_url: str = OAUTH_URL) -> str:
    return f"{oauth_url.rstrip('/')}/oauth/token"


def oauth_app(
    *,
    client_id: str,
    client_secret: str,
    authorize_url: str = AUTHORIZE_URL,
    token_url: str = TOKEN_URL,
) -> OAuthApp:
    """The user-level (user-managed) OAuth app. Zoom authenticates the client at the token
    endpoint with HTTP Basic only; PKCE is supported and we always send it."""
    return OAuthApp(
        provider_name="Zoom",
        client_id=client_id,
        client_secret=client_secret,
        authorize_url=authorize_url,
        token_url=token_url,
        scopes=(),  # see the module docstring: scopes in the URL make Zoom refuse
        token_auth_method="client_secret_basic",  # noqa: S106 (a method name, not a secret)
        pkce=True,
    )


def server_to_server_token(
    *,
    oauth_url: str,
    account_id: str,
    client_id: str,
    client_secret: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    transport: httpx2.BaseTransport | None = None,
) -> TokenSet:
    """An access token of a Server-to-Server OAuth app (`account_credentials` grant).

    Valid for an hour, with no refresh token: ask for a new one when it expires or is
    refused. Several may be valid at once, so workers need not share one.
    """
    app = OAuthApp(
        provider_name="Zoom",
        client_id=client_id,
        client_secret=client_secret,
        authorize_url="",
        token_url=token_endpoint(oauth_url),
        token_auth_method="client_secret_basic",  # noqa: S106 (a method name, not a secret)
        pkce=False,
    )
    try:
        return client_grant(
            app,
            {"grant_type": "account_credentials", "account_id": account_id},
            timeout=timeout,
            transport=transport,
        )
    except ProviderError as exc:
        # We build this request ourselves, so an `invalid_request` can only mean a wrong
        # account id or app type: retrying will not help, the settings must change.
        if exc.code in {"invalid_request", "unsupported_grant_type"}:
            raise AuthenticationError(
                f"{exc.message}. Check the Zoom account ID and that the app is a "
                "Server-to-Server OAuth app",
                code=exc.code,
            ) from None
        raise


def identify(
    http: httpx2.Client, *, app_only: bool, host_email: str | None = None
) -> AccountIdentity:
    """Who the connected account is, and what stops it from hosting meetings.

    A user connection reads `/users/me`. A Server-to-Server token has no user, so
    `/users/me` is refused and the host must be named (`host_email`).
    """
    if app_only:
        if not host_email:
            raise ValueError("a Zoom Server-to-Server account is identified through a host email")
        user = user_path(host_email)
        call = Call("read the host's Zoom profile", "user:read:admin", host=host_email)
    else:
        user = "me"
        call = Call("read the Zoom user's profile", "user:read")
    data = read_object(send(http, "GET", f"/v2/users/{user}", call), call)

    user_id = data.get("id")
    email = data.get("email")
    if not isinstance(user_id, str) or not user_id:
        raise ProviderError(
            "Zoom answered without the user's id", permanent=False, code="malformed"
        )
    if not isinstance(email, str) or not email:
        raise ProviderError(
            "Zoom answered without the user's email", permanent=False, code="malformed"
        )
    name = data.get("display_name")
    if not isinstance(name, str) or not name.strip():
        name = " ".join(
            str(data[k]) for k in ("first_name", "last_name") if isinstance(data.get(k), str)
        )
    return AccountIdentity(
        external_id=user_id, email=email, name=name.strip(), problems=_problems(data, email)
    )


def _problems(data: dict[str, object], email: str) -> tuple[str, ...]:
    problems = []
    status = data.get("status")
    if isinstance(status, str) and status and status != "active":
        problems.append(
            f"The Zoom user {email} is {status}, not active: an account admin must activate "
            "it before it can host meetings."
        )
    kind = data.get("type")
    if isinstance(kind, int) and kind in _NO_MEETINGS_LICENSE:
        problems.append(
            f"The Zoom user {email} has no Zoom Meetings license (user type "
            f"{kind}, {_NO_MEETINGS_LICENSE[kind]}), so it cannot host meetings: an account "
            "admin must assign one."
        )
    return tuple(problems)
