"""The fake Zoom's OAuth side: the consent page (authorize, which refuses a `scope`
parameter), the token endpoint (authorization code with PKCE, refresh tokens that rotate
and die at once, Server-to-Server `account_credentials`) and revoking a user's tokens.

A mixin of `FakeZoom`, which holds the state it reads and writes (declared below).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from fakeproviders.harness import Request, Response, route
from fakeproviders.zoom_model import (
    INVALID_TOKEN,
    AccessToken,
    FakeUser,
    Grant,
    ZoomOptions,
    token_error,
)


class ZoomOAuth:
    # The state and helpers this side uses, all provided by FakeZoom.
    lock: threading.RLock
    client_id: str
    client_secret: str
    s2s_client_id: str
    s2s_client_secret: str
    account_id: str
    default_email: str
    redirect_uris: tuple[str, ...]
    base_url: str
    options: ZoomOptions
    access_tokens: dict[str, AccessToken]
    codes: dict[str, Grant]
    refresh_tokens: dict[str, Grant]
    grants: Counter[str]

    def now(self) -> datetime:
        raise NotImplementedError

    def add_user(self, email: str, **changes: Any) -> FakeUser:
        raise NotImplementedError

    # -- consent -------------------------------------------------------------------------
    def _check_authorize(self, params: dict[str, str]) -> str | None:
        """What is wrong with an authorize request (None: nothing)."""
        if params.get("response_type", "code") != "code":
            return "Invalid response_type"
        if params.get("client_id") != self.client_id:
            return "Invalid client_id"
        redirect = params.get("redirect_uri", "")
        if self.redirect_uris and redirect not in self.redirect_uris:
            return "Invalid redirect: not in the app's allow list"
        if urlsplit(redirect).scheme not in {"http", "https"}:
            return "Invalid redirect_uri"
        if "scope" in params and self.options.reject_scope_param:
            return "Invalid scope (4,700)"
        challenge = params.get("code_challenge", "")
        method = params.get("code_challenge_method", "plain" if challenge else "")
        if challenge and (
            method not in {"S256", "plain"}
            or not re.fullmatch(r"[A-Za-z0-9\-._~]{43,128}", challenge)
        ):
            return "Invalid code_challenge"
        return None

    @route("GET", "/oauth/authorize")
    def authorize_page(self, request: Request) -> Response:
        problem = self._check_authorize(request.query)
        if problem:
            return Response.html(400, f"<title>Zoom - Error</title><p>{html.escape(problem)}</p>")
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(request.query[name])}">'
            for name in (
                "client_id",
                "redirect_uri",
                "state",
                "code_challenge",
                "code_challenge_method",
                "response_type",
            )
            if name in request.query
        )
        page = f"""<!doctype html>
<html><head><title>Fake Zoom - Authorize app</title></head>
<body><h1>Fake Zoom</h1><p>Convener would like to schedule and manage meetings for you.</p>
<form method="post" action="/oauth/authorize">{hidden}
<label>Email <input type="email" name="email" value="{html.escape(self.default_email)}"></label>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>"""
        return Response.html(200, page)

    @route("POST", "/oauth/authorize")
    def authorize_decision(self, request: Request) -> Response:
        form = request.form()
        problem = self._check_authorize(form)
        if problem:
            return Response.html(400, f"<title>Zoom - Error</title><p>{html.escape(problem)}</p>")
        redirect = form["redirect_uri"]
        answer: dict[str, str] = {}
        if form.get("decision") != "allow":
            answer["error"] = "access_denied"
        else:
            email = form.get("email", "").strip().lower()
            if "@" not in email:
                return Response.html(400, "<title>Zoom - Error</title><p>Enter an email</p>")
            with self.lock:
                self.add_user(email)
                code = secrets.token_urlsafe(24)
                self.codes[code] = Grant(
                    email=email,
                    scopes=frozenset(self.options.user_scopes.split()),
                    redirect_uri=redirect,
                    challenge=form.get("code_challenge", ""),
                    challenge_method=form.get("code_challenge_method", "plain"),
                    expires_at=self.now() + timedelta(minutes=10),
                )
            answer["code"] = code
        if form.get("state"):
            answer["state"] = form["state"]
        return Response.redirect(redirect + ("&" if "?" in redirect else "?") + urlencode(answer))

    # -- tokens --------------------------------------------------------------------------
    def _client(self, request: Request) -> str | None:
        """'user' or 's2s' by the HTTP Basic credentials; Zoom takes no secret in the form."""
        value = request.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return None
        try:
            client_id, _, secret = base64.b64decode(value[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        if (client_id, secret) == (self.client_id, self.client_secret):
            return "user"
        if (client_id, secret) == (self.s2s_client_id, self.s2s_client_secret):
            return "s2s"
        return None

    def _issue(self, email: str | None, scopes: frozenset[str], *, refresh: bool) -> Response:
        access = secrets.token_urlsafe(32)
        self.access_tokens[access] = AccessToken(
            email, scopes, self.now() + timedelta(seconds=self.options.expires_in)
        )
        payload: dict[str, Any] = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.options.expires_in,
            "scope": " ".join(sorted(scopes)),
            "api_url": self.base_url,
        }
        if refresh and email:
            token = secrets.token_urlsafe(32)
            self.refresh_tokens[token] = Grant(email=email, scopes=scopes)
            payload["refresh_token"] = token
        return Response.json(200, payload, {"Cache-Control": "no-store"})

    @route("POST", "/oauth/token")
    def token(self, request: Request) -> Response:
        client = self._client(request)
        if client is None:
            return token_error(401, "Invalid client_id or client_secret", "invalid_client")
        form = {**request.query, **request.form()}  # S2S docs put the grant in the query
        grant_type = form.get("grant_type", "")
        with self.lock:
            if grant_type == "authorization_code" and client == "user":
                return self._grant_code(form)
            if grant_type == "refresh_token" and client == "user":
                grant = self.refresh_tokens.get(form.get("refresh_token", ""))
                if grant is None or not grant.alive:
                    return Response.json(400, INVALID_TOKEN)
                grant.alive = False  # rotation: the previous refresh token dies at once
                self.grants["refresh_token"] += 1
                return self._issue(grant.email, grant.scopes, refresh=True)
            if grant_type == "account_credentials" and client == "s2s":
                if form.get("account_id") != self.account_id:
                    return token_error(400, "Invalid account_id", "invalid_request")
                self.grants["account_credentials"] += 1
                scopes = frozenset(self.options.s2s_scopes.split())
                return self._issue(None, scopes, refresh=False)
        return token_error(400, "Unsupported grant type", "unsupported_grant_type")

    def _grant_code(self, form: dict[str, str]) -> Response:
        grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or grant.expires_at is None or grant.expires_at < self.now():
            return token_error(400, "Invalid authorization code", "invalid_grant")
        if form.get("redirect_uri") != grant.redirect_uri:
            return token_error(400, "Redirect URI mismatch.", "invalid_grant")
        if grant.challenge:
            verifier = form.get("code_verifier", "")
            if grant.challenge_method == "S256":
                digest = hashlib.sha256(verifier.encode()).digest()
                verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not secrets.compare_digest(verifier, grant.challenge):
                return token_error(400, "Invalid code_verifier", "invalid_grant")
        self.grants["authorization_code"] += 1
        return self._issue(grant.email, grant.scopes, refresh=True)

    # -- revocation (POST /_fake/revoke) -------------------------------------------------
    def _revoke(self, email: str) -> Response:
        """Like the user removing the app: refresh and access tokens of that user die."""
        with self.lock:
            killed = 0
            for grant in self.refresh_tokens.values():
                if grant.email == email.lower() and grant.alive:
                    grant.alive = False
                    killed += 1
            for name in [n for n, t in self.access_tokens.items() if t.email == email.lower()]:
                del self.access_tokens[name]
            return Response.json(200, {"revoked_refresh_tokens": killed})
