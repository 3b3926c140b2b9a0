"""OAuth 2 for provider accounts, one code path for every provider (through Authlib).

A provider package describes its OAuth app with an `OAuthApp` (endpoints from settings,
scopes and authorize parameters of its own); this module builds the consent URL with
state and PKCE, exchanges the code, refreshes, and runs client grants (client
credentials, Zoom account credentials, Google's JWT bearer). Every token call goes
through the shared HTTP seam (convener.providers.http): the process's pool, the
environment's proxies and the caller's timeout. Token-endpoint failures
become ProviderErrors: `invalid_grant` and friends are AuthenticationError (reconnect),
anything else is transient. Tokens never appear in an error message.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client

from convener.providers.base import AuthenticationError, ProviderError, RateLimited
from convener.providers.http import DEFAULT_TIMEOUT_SECONDS, client_options, parse_retry_after

# Errors of the token endpoint that no retry can fix (RFC 6749 section 5.2).
_PERMANENT_ERRORS = frozenset(
    {"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope", "access_denied"}
)


@dataclass(frozen=True)
class OAuthApp:
    """A provider's OAuth client registration."""

    provider_name: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...] = ()
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    # Google and Microsoft take the secret in the form; Zoom wants HTTP Basic.
    token_auth_method: str = "client_secret_post"  # noqa: S105 (a method name)
    pkce: bool = True

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    expires_at: float  # epoch seconds
    refresh_token: str | None = None
    scope: str = ""

    def __repr__(self) -> str:  # never print tokens, even in a debugger or a traceback
        return (
            f"TokenSet(expires_at={self.expires_at!r}, scope={self.scope!r}, "
            f"refresh={bool(self.refresh_token)})"
        )

    def expires_within(self, seconds: float, *, now: float | None = None) -> bool:
        return self.expires_at - (now if now is not None else time.time()) <= seconds


def new_code_verifier() -> str:
    return str(generate_token(64))


def new_state() -> str:
    return str(generate_token(32))


def _client(
    app: OAuthApp,
    *,
    redirect_uri: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    transport: httpx2.BaseTransport | None = None,
) -> OAuth2Client:
    return OAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        token_endpoint_auth_method=app.token_auth_method,
        scope=" ".join(app.scopes) or None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256" if app.pkce else None,
        **client_options(timeout=timeout, transport=transport),
    )


def authorization_url(app: OAuthApp, *, redirect_uri: str, state: str, code_verifier: str) -> str:
    with _client(app, redirect_uri=redirect_uri) as client:
        url, _ = client.create_authorization_url(
            app.authorize_url,
            state=state,
            code_verifier=code_verifier if app.pkce else None,
            **dict(app.authorize_params),
        )
    return str(url)


def _token_set(raw: Mapping[str, Any], *, keep_refresh: str | None = None) -> TokenSet:
    if not raw.get("access_token"):
        raise ProviderError("the token endpoint answered without an access token", permanent=False)
    expires_in = float(raw.get("expires_in") or 3600)
    return TokenSet(
        access_token=str(raw["access_token"]),
        expires_at=time.time() + expires_in,
        refresh_token=str(raw["refresh_token"]) if raw.get("refresh_token") else keep_refresh,
        scope=str(raw.get("scope") or ""),
    )


def _call(app: OAuthApp, action: str, run: Any) -> Mapping[str, Any]:
    try:
        result: Mapping[str, Any] = run()
        return result
    except OAuthError as exc:
        error = str(getattr(exc, "error", "") or "")
        description = str(getattr(exc, "description", "") or "")
        text = f"{app.provider_name} refused to {action}: {error}" + (
            f" ({description})" if description else ""
        )
        if error in _PERMANENT_ERRORS:
            raise AuthenticationError(text, code=error) from None
        raise ProviderError(text, permanent=False, code=error) from None
    except httpx2.HTTPStatusError as exc:
        status = exc.response.status_code
        if status == 429:
            raise RateLimited(
                f"{app.provider_name} token endpoint is rate limiting",
                retry_after=parse_retry_after(exc.response.headers.get("Retry-After")),
                status=status,
            ) from None
        raise ProviderError(
            f"{app.provider_name} token endpoint answered HTTP {status}",
            permanent=False,
            status=status,
        ) from None
    except httpx2.TransportError as exc:
        raise ProviderError(
            f"cannot reach {app.provider_name} to {action}: {type(exc).__name__}", permanent=False
        ) from None
    except ValueError:  # not JSON: some providers answer errors in XML or HTML
        raise ProviderError(
            f"{app.provider_name} token endpoint answered something that is not JSON",
            permanent=False,
        ) from None


def exchange_code(
    app: OAuthApp,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    transport: httpx2.BaseTransport | None = None,
) -> TokenSet:
    with _client(app, redirect_uri=redirect_uri, timeout=timeout, transport=transport) as client:
        raw = _call(
            app,
            "connect the account",
            lambda: client.fetch_token(
                app.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier if app.pkce else None,
            ),
        )
    return _token_set(raw)


def refresh(
    app: OAuthApp,
    refresh_token: str,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    transport: httpx2.BaseTransport | None = None,
) -> TokenSet:
    """Use a refresh token. Providers that rotate it (Microsoft, Zoom) return a new one,
    which the caller must store before anything else uses the old one."""
    with _client(app, timeout=timeout, transport=transport) as client:
        raw = _call(
            app,
            "refresh the access token",
            lambda: client.refresh_token(app.token_url, refresh_token=refresh_token),
        )
    return _token_set(raw, keep_refresh=refresh_token)


def client_grant(
    app: OAuthApp,
    form: Mapping[str, str],
    *,
    token_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    transport: httpx2.BaseTransport | None = None,
) -> TokenSet:
    """A grant without a user: client_credentials (Microsoft app-only), account_credentials
    (Zoom Server-to-Server), JWT bearer (Google service account). No refresh token."""
    with _client(app, timeout=timeout, transport=transport) as client:
        fields = dict(form)
        grant_type = fields.pop("grant_type")
        raw = _call(
            app,
            "issue an access token",
            lambda: client.fetch_token(token_url or app.token_url, grant_type=grant_type, **fields),
        )
    return _token_set(raw)
