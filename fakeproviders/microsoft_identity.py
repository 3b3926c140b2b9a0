"""The fake Microsoft identity platform: the consent page (authorize), the token
endpoint (authorization code with PKCE, refresh, client credentials) and its errors.

A mixin of `FakeMicrosoft`, which holds the state it reads and writes (declared below).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from fakeproviders.harness import Request, Response, route
from fakeproviders.microsoft_model import (
    AAD,
    IDENTITY_SCOPES,
    TENANT_ALIASES,
    Grant,
    Token,
    User,
    handler,
)


class MicrosoftIdentity:
    # The state and helpers this side uses, all provided by FakeMicrosoft.
    lock: threading.RLock
    client_id: str
    client_secret: str
    tenant_id: str
    default_email: str
    redirect_uris: tuple[str, ...]
    require_pkce: bool
    expires_in: int
    base_url: str
    grants: dict[str, Grant]
    access_tokens: dict[str, Token]
    refresh_tokens: dict[str, Token]
    token_grants: Counter[str]

    def _random_text(self, size: int) -> str:
        raise NotImplementedError

    def _user(self, email: str, *, personal: bool | None = None, name: str = "") -> User:
        raise NotImplementedError

    # -- identity platform: consent ------------------------------------------------------
    def _aad(self, status: int, code: int, **fmt: str) -> Response:
        error, text = AAD[code]
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        description = (
            f"AADSTS{code}: {text.format(**fmt)}\r\nTrace ID: {trace}\r\n"
            f"Correlation ID: {correlation}\r\nTimestamp: {now}"
        )
        return Response.json(status, {
            "error": error,
            "error_description": description,
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"{self.base_url}/error?code={code}",
        })  # fmt: skip

    def _error_page(self, code: int, **fmt: str) -> Response:
        text = html.escape(AAD[code][1].format(**fmt))
        return Response.html(
            400,
            "<!doctype html><title>Sign in to your account (fake Microsoft)</title>"
            f"<h1>Sorry, but we're having trouble signing you in.</h1><p>AADSTS{code}: {text}</p>",
        )

    def _known_tenant(self, tenant: str) -> bool:
        return tenant.lower() in TENANT_ALIASES or tenant == self.tenant_id

    def _check_authorize(self, tenant: str, params: dict[str, str]) -> Response | None:
        """Problems shown on the login page itself: never sent to an unchecked redirect."""
        if not self._known_tenant(tenant):
            return self._error_page(90002, tenant=tenant)
        if params.get("client_id") != self.client_id:
            return self._error_page(700016, client=params.get("client_id", ""))
        uri = params.get("redirect_uri", "")
        parts = urlsplit(uri)
        if self.redirect_uris:
            registered = uri in self.redirect_uris
        else:
            registered = parts.scheme in {"http", "https"} and bool(parts.netloc)
        if not registered:
            return self._error_page(50011, uri=uri)
        state = params.get("state", "")
        if params.get("response_type") != "code":
            value = params.get("response_type", "")
            return self._redirect_error(uri, state, 70005, value=value)
        if not params.get("scope", "").strip():
            return self._redirect_error(uri, state, 900144, name="scope")
        challenge = params.get("code_challenge", "")
        method = params.get("code_challenge_method", "plain")
        if (self.require_pkce and not challenge) or (challenge and method not in {"S256", "plain"}):
            return self._redirect_error(uri, state, 501491)
        return None

    def _redirect(self, uri: str, params: dict[str, str]) -> Response:
        joiner = "&" if urlsplit(uri).query else "?"
        return Response.redirect(uri + joiner + urlencode({k: v for k, v in params.items() if v}))

    def _redirect_error(self, uri: str, state: str, code: int, **fmt: str) -> Response:
        error, text = AAD[code]
        description = f"AADSTS{code}: {text.format(**fmt)}"
        return self._redirect(
            uri, {"error": error, "error_description": description, "state": state}
        )

    def _consent_html(self, tenant: str, params: dict[str, str], email: str, note: str = "") -> str:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params.get("scope", "").split())
        return (
            "<!doctype html><html><head><title>Microsoft (fake): Permissions requested</title>"
            f"</head><body><h1>Permissions requested</h1><p>The app wants to:</p><ul>{scopes}</ul>"
            f"<p class=note>{html.escape(note)}</p>"
            f'<form method="post" action="/{html.escape(tenant)}/oauth2/v2.0/authorize">{hidden}'
            f'<label>Account <input type="email" name="email" value="{html.escape(email)}"></label>'
            '<button type="submit" name="decision" value="allow">Allow</button>'
            '<button type="submit" name="decision" value="deny">Deny</button></form></body></html>'
        )

    @route("GET", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/authorize")
    def authorize_page(self, request: Request, tenant: str) -> Response:
        params = dict(request.query)
        problem = self._check_authorize(tenant, params)
        return problem or Response.html(200, self._consent_html(tenant, params, self.default_email))

    @route("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/authorize")
    @handler
    def authorize_decision(self, request: Request, tenant: str) -> Response:
        form = request.form()
        params = {k: v for k, v in form.items() if k not in {"email", "decision"}}
        problem = self._check_authorize(tenant, params)
        if problem is not None:
            return problem
        uri, state = params["redirect_uri"], params.get("state", "")
        if form.get("decision") != "allow":
            return self._redirect_error(uri, state, 65004)
        email = form.get("email", "").strip()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            page = self._consent_html(tenant, params, email, "Enter a valid email address.")
            return Response.html(200, page)
        user = self._user(email)
        if user.personal != (tenant.lower() == "consumers") and tenant.lower() != "common":
            return self._error_page(50020, email=email, tenant=tenant)
        code = "M." + self._random_text(36)
        self.grants[code] = Grant(
            user.email, uri, frozenset(params["scope"].split()),
            params.get("code_challenge", ""), params.get("code_challenge_method", "plain"),
            time.time() + 600,
        )  # fmt: skip
        return self._redirect(
            uri, {"code": code, "state": state, "session_state": str(uuid.uuid4())}
        )

    # -- identity platform: tokens -------------------------------------------------------
    def _client_auth(self, request: Request, form: dict[str, str]) -> Response | None:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            decoded = base64.b64decode(header[6:] + "==").decode(errors="replace")
            client_id, _, secret = (unquote(part) for part in decoded.partition(":"))
        if client_id != self.client_id:
            return self._aad(400, 700016, client=client_id)
        if not secret:
            return self._aad(401, 7000218)
        if secret != self.client_secret:
            return self._aad(401, 7000215)
        return None

    def _issue(self, email: str | None, scopes: frozenset[str], grant_type: str) -> Response:
        access = "EwB" + self._random_text(45)
        self.access_tokens[access] = Token(email, scopes, time.time() + self.expires_in)
        self.token_grants[grant_type] += 1
        shown = " ".join(sorted(scopes - {"offline_access"}))
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": shown,
            "expires_in": self.expires_in,
            "ext_expires_in": self.expires_in,
            "access_token": access,
        }
        if email is not None and "offline_access" in scopes:
            refresh = "M.C5" + self._random_text(66)
            self.refresh_tokens[refresh] = Token(email, scopes, float("inf"))
            body["refresh_token"] = refresh
        return Response.json(200, body)

    @route("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token")
    @handler
    def token(self, request: Request, tenant: str) -> Response:
        form = request.form()
        if not self._known_tenant(tenant):
            return self._aad(400, 90002, tenant=tenant)
        denied = self._client_auth(request, form)
        if denied is not None:
            return denied
        grant_type = form.get("grant_type", "")
        if grant_type == "authorization_code":
            return self._redeem_code(form)
        if grant_type == "refresh_token":
            return self._redeem_refresh(form)
        if grant_type == "client_credentials":
            return self._client_credentials(tenant, form)
        return self._aad(400, 70003, grant=grant_type)

    def _redeem_code(self, form: dict[str, str]) -> Response:
        grant = self.grants.get(form.get("code", ""))
        if grant is None:
            return self._aad(400, 9002313)
        if grant.used:
            return self._aad(400, 54005)
        if grant.expires_at < time.time():
            return self._aad(400, 70008)
        if form.get("redirect_uri") != grant.redirect_uri:
            return self._aad(400, 50011, uri=form.get("redirect_uri", ""))
        verifier = form.get("code_verifier", "")
        if grant.challenge:
            digest = hashlib.sha256(verifier.encode()).digest()
            s256 = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            computed = verifier if grant.method == "plain" else s256
            if not verifier or computed != grant.challenge:
                return self._aad(400, 50148)
        grant.used = True
        return self._issue(grant.email, grant.scopes, "authorization_code")

    def _redeem_refresh(self, form: dict[str, str]) -> Response:
        stored = self.refresh_tokens.get(form.get("refresh_token", ""))
        if stored is None or stored.email is None:
            return self._aad(400, 9002313)
        if stored.revoked:
            issued = datetime.fromtimestamp(stored.issued_at, UTC).strftime("%m/%d/%Y %H:%M:%S")
            return self._aad(400, 700082, issued=issued)
        asked = frozenset(form.get("scope", "").split()) - IDENTITY_SCOPES
        if not asked <= stored.scopes:
            return self._aad(400, 65001)
        # Rotation: a new refresh token every time, and the one just used stays valid.
        return self._issue(stored.email, stored.scopes, "refresh_token")

    def _client_credentials(self, tenant: str, form: dict[str, str]) -> Response:
        if tenant.lower() in TENANT_ALIASES:
            return self._aad(400, 900023, tenant=tenant)
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return self._aad(400, 1002012, scope=scope)
        return self._issue(None, frozenset({scope}), "client_credentials")
