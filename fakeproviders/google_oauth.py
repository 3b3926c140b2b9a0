"""The fake Google's OAuth side: the consent page, the token endpoint (authorization
code with PKCE, refresh, and the JWT bearer grant of service accounts) and revocation.

A mixin of `FakeGoogle`, which holds the state it reads and writes (declared below).
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt

from fakeproviders.google_model import (
    CANONICAL_TOKEN_URL,
    JWT_BEARER,
    SCOPE_LABELS,
    AccessToken,
    Account,
    RefreshToken,
    ServiceAccount,
    oauth_error,
    page,
    scopes_of,
    with_query,
)
from fakeproviders.harness import Request, Response, route


class GoogleOAuth:
    # The state and helpers this side uses, all provided by FakeGoogle.
    lock: threading.RLock
    client_id: str
    client_secret: str
    default_email: str
    redirect_uris: tuple[str, ...]
    require_pkce: bool
    base_url: str
    config: dict[str, Any]
    consents: dict[str, dict[str, Any]]
    codes: dict[str, dict[str, Any]]
    grants: Counter[str]
    access_tokens: dict[str, AccessToken]
    refresh_tokens: dict[str, RefreshToken]
    service_accounts: dict[str, ServiceAccount]

    def now(self) -> float:
        raise NotImplementedError

    def _account(self, email: str, *, meet_enabled: bool = True) -> Account:
        raise NotImplementedError

    def _issue_access(
        self, email: str, scopes: frozenset[str], *, refresh: str | None = None, meet: bool = True
    ) -> str:
        raise NotImplementedError

    def _revoke(self, match: Any) -> int:
        raise NotImplementedError

    # -- OAuth: consent ------------------------------------------------------------------
    @route("GET", "/o/oauth2/v2/auth")
    def authorize(self, request: Request) -> Response:
        query = request.query
        problem = self._authorize_problem(query)
        if problem:
            # Like Google: an error page, never a redirect to an unchecked redirect_uri.
            return Response.html(400, page("Error", f"<p>{html.escape(problem)}</p>"))
        consent_id = secrets.token_urlsafe(16)
        requested = scopes_of(query["scope"].split())
        with self.lock:
            self.consents[consent_id] = {**query, "scopes": requested}
        boxes = "".join(
            f'<label><input type="checkbox" name="scope" value="{html.escape(s)}" checked> '
            f"{html.escape(SCOPE_LABELS.get(s, s))}</label><br>"
            for s in sorted(requested)
        )
        body = (
            f"<h1>Fake Google</h1><p>{html.escape(self.client_id)} wants to access your"
            ' Google Account</p><form method="post" action="/o/oauth2/v2/auth">'
            f'<input type="hidden" name="consent_id" value="{consent_id}">'
            '<input type="hidden" name="granular" value="1">'
            '<label>Email <input type="email" name="email" value="'
            f'{html.escape(self.default_email)}"></label>'
            f"<fieldset><legend>Allow access to</legend>{boxes}</fieldset>"
            '<button type="submit" name="action" value="allow">Allow</button> '
            '<button type="submit" name="action" value="deny">Deny</button></form>'
        )
        return Response.html(200, page("Sign in - Fake Google", body))

    def _authorize_problem(self, query: Mapping[str, str]) -> str:
        if query.get("client_id") != self.client_id:
            return "Error 401: invalid_client. The OAuth client was not found."
        redirect = query.get("redirect_uri", "")
        parts = urlsplit(redirect)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.fragment:
            return "Error 400: invalid_request. Invalid parameter value for redirect_uri."
        if self.redirect_uris and redirect not in self.redirect_uris:
            return "Error 400: redirect_uri_mismatch. The redirect URI is not registered."
        if query.get("response_type") != "code":
            return "Error 400: unsupported_response_type. Use response_type=code."
        if not query.get("scope", "").split():
            return "Error 400: invalid_request. Missing required parameter: scope"
        try:
            scopes_of(query["scope"].split())
        except ValueError as exc:
            return f"Error 400: invalid_scope. Some requested scopes were invalid: {exc}"
        challenge = query.get("code_challenge", "")
        method = query.get("code_challenge_method", "plain" if challenge else "")
        if challenge:
            if method not in {"S256", "plain"}:
                return "Error 400: invalid_request. Invalid code_challenge_method."
            allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
            if not 43 <= len(challenge) <= 128 or set(challenge) - allowed:
                return "Error 400: invalid_request. Invalid code_challenge."
        elif method or self.require_pkce:
            return "Error 400: invalid_request. code_challenge is required (PKCE)."
        if query.get("access_type", "online") not in {"online", "offline"}:
            return "Error 400: invalid_request. Invalid access_type."
        return ""

    @route("POST", "/o/oauth2/v2/auth")
    def consent(self, request: Request) -> Response:
        pairs = parse_qsl(request.body.decode(), keep_blank_values=True)
        form = dict(pairs)
        with self.lock:
            consent = self.consents.pop(form.get("consent_id", ""), None)
        if consent is None:
            return Response.html(400, page("Error", "<p>This page has expired; start again.</p>"))
        redirect = consent["redirect_uri"]
        state = {"state": consent["state"]} if consent.get("state") else {}
        email = form.get("email", "").strip().lower()
        requested: frozenset[str] = consent["scopes"]
        chosen = (
            {v for k, v in pairs if k == "scope"} & requested if form.get("granular") else requested
        )
        if form.get("action") != "allow" or not chosen:
            return Response.redirect(with_query(redirect, {"error": "access_denied", **state}))
        if "@" not in email:
            return Response.html(400, page("Error", "<p>Enter the account's email.</p>"))
        with self.lock:
            account = self._account(email)
            previous = account.granted.get(self.client_id, set())
            account.granted[self.client_id] = previous | chosen
            include = consent.get("include_granted_scopes") == "true"
            scopes = frozenset(previous | chosen) if include else frozenset(chosen)
            code = "4/fake-" + secrets.token_urlsafe(24)
            self.codes[code] = {
                "client_id": consent["client_id"],
                "redirect_uri": redirect,
                "email": email,
                "scopes": scopes,
                "challenge": consent.get("code_challenge", ""),
                "method": consent.get("code_challenge_method", "plain"),
                "offline": consent.get("access_type") == "offline",
                "consent": "consent" in consent.get("prompt", "").split(),
                "expires_at": self.now() + 600,
                "used": False,
            }
        params = {**state, "code": code, "scope": " ".join(sorted(scopes)), "authuser": "0"}
        return Response.redirect(with_query(redirect, params))

    # -- OAuth: token endpoint -------------------------------------------------------------
    @route("POST", "/token")
    def token(self, request: Request) -> Response:
        form = request.form()
        grant = form.get("grant_type", "")
        with self.lock:
            if grant == JWT_BEARER:  # a service account signs; no client secret involved
                return self._jwt_grant(request, form)
            refused = self._client_auth(request, form)
            if refused is not None:
                return refused
            if grant == "authorization_code":
                return self._code_grant(form)
            if grant == "refresh_token":
                return self._refresh_grant(form)
        return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant}")

    def _client_auth(self, request: Request, form: dict[str, str]) -> Response | None:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            except ValueError:
                return oauth_error(400, "invalid_request", "Malformed Basic credentials.")
        if not client_id:
            return oauth_error(
                400, "invalid_request", "Could not determine client ID from request."
            )
        if client_id != self.client_id:
            return oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if not secrets.compare_digest(secret, self.client_secret):
            return oauth_error(401, "invalid_client", "Unauthorized")
        form["client_id"] = client_id
        return None

    def _code_grant(self, form: dict[str, str]) -> Response:
        code = self.codes.get(form.get("code", ""))
        if code is None:
            return oauth_error(400, "invalid_grant", "Malformed auth code.")
        if (
            code["used"]
            or code["expires_at"] < self.now()
            or code["client_id"] != form["client_id"]
        ):
            return oauth_error(400, "invalid_grant", "Bad Request")
        code["used"] = True  # single use, even when the rest of the request is wrong
        if form.get("redirect_uri") != code["redirect_uri"]:
            return oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        verifier = form.get("code_verifier", "")
        if code["challenge"]:
            if not verifier:
                return oauth_error(400, "invalid_grant", "Missing code verifier.")
            if code["method"] == "S256":
                digest = hashlib.sha256(verifier.encode()).digest()
                verifier = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            if not secrets.compare_digest(verifier, code["challenge"]):
                return oauth_error(400, "invalid_grant", "Invalid code verifier.")
        elif verifier:
            return oauth_error(400, "invalid_request", "code_verifier or verifier is not needed.")
        self.grants["authorization_code"] += 1
        refresh = None
        # Google's rule: a refresh token only for offline access on a consent screen.
        if code["offline"] and code["consent"]:
            refresh = "1//fake-" + secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = RefreshToken(
                email=code["email"],
                client_id=form["client_id"],
                scopes=code["scopes"],
                issued_at=self.now(),
            )
        payload = self._token_payload(code["email"], code["scopes"], refresh=refresh)
        if refresh:
            payload["refresh_token"] = refresh
        return Response.json(200, payload)

    def _refresh_grant(self, form: dict[str, str]) -> Response:
        key = form.get("refresh_token", "")
        grant = self.refresh_tokens.get(key)
        max_age = self.config["refresh_token_max_age"]
        if (
            grant is None
            or grant.revoked
            or grant.client_id != form["client_id"]
            or (max_age is not None and self.now() - grant.issued_at > max_age)
        ):
            return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        scopes = grant.scopes
        if form.get("scope"):
            try:
                scopes = scopes_of(form["scope"].split())
            except ValueError:
                scopes = frozenset({"unknown"})
            if not scopes <= grant.scopes:
                return oauth_error(400, "invalid_scope", "Bad Request")
        self.grants["refresh_token"] += 1
        # Not rotated: the same refresh token keeps working, so none is sent back.
        return Response.json(200, self._token_payload(grant.email, scopes, refresh=key))

    def _token_payload(
        self, email: str, scopes: frozenset[str], *, refresh: str | None
    ) -> dict[str, Any]:
        return {
            "access_token": self._issue_access(email, scopes, refresh=refresh),
            "expires_in": int(self.config["expires_in"]),
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
        }

    def _jwt_grant(self, request: Request, form: Mapping[str, str]) -> Response:
        assertion = form.get("assertion", "")
        if not assertion:
            return oauth_error(400, "invalid_request", "Missing required parameter: assertion")
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return oauth_error(400, "invalid_grant", "Invalid JWT: not a signed JWT.")
        if header.get("alg") != "RS256":
            return oauth_error(400, "invalid_grant", "Invalid JWT: only RS256 is accepted.")
        sa = self.service_accounts.get(str(claims.get("iss", "")))
        if sa is None:
            return oauth_error(400, "invalid_grant", "Invalid grant: account not found")
        try:
            jwt.decode(
                assertion,
                sa.public_key_pem,
                algorithms=["RS256"],
                options={
                    "verify_aud": False,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            return oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        token_urls = {
            f"{self.base_url}/token",
            f"http://{request.headers.get('host', '')}/token",
            CANONICAL_TOKEN_URL,
        }
        if claims.get("aud") not in token_urls:
            return oauth_error(400, "invalid_grant", "Invalid JWT: Failed audience check.")
        iat, exp, now = claims.get("iat"), claims.get("exp"), self.now()
        if (
            not isinstance(iat, int | float)
            or not isinstance(exp, int | float)
            or exp - iat > 3600
            or exp <= now
            or iat > now + 300
        ):
            return oauth_error(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable"
                " timeframe. Check your iat and exp values in the JWT claim.",
            )
        scope_text = claims.get("scope")
        if not isinstance(scope_text, str) or not scope_text.split():
            return oauth_error(400, "invalid_scope", "Empty or missing scope not allowed.")
        try:
            scopes = scopes_of(scope_text.split())
        except ValueError:
            return oauth_error(
                400, "invalid_scope", "Invalid OAuth scope or ID token audience provided."
            )
        subject = claims.get("sub")
        if subject:
            if not sa.delegated or (sa.scopes is not None and not scopes <= sa.scopes):
                return oauth_error(
                    401,
                    "unauthorized_client",
                    "Client is unauthorized to retrieve access tokens using this method, or client"
                    " not authorized for any of the scopes requested.",
                )
            email, meet = str(subject), True
        else:  # the service account itself: a calendar of its own, but no Meet
            email, meet = sa.client_email, False
        self.grants["jwt_bearer"] += 1
        return Response.json(
            200,
            {
                "access_token": self._issue_access(email, scopes, meet=meet),
                "expires_in": int(self.config["expires_in"]),
                "token_type": "Bearer",
            },
        )

    @route("POST", "/revoke")
    def revoke(self, request: Request) -> Response:
        token = request.query.get("token") or request.form().get("token", "")
        with self.lock:
            if token in self.refresh_tokens and not self.refresh_tokens[token].revoked:
                self._revoke(lambda r: r is self.refresh_tokens[token])
                return Response.json(200, {})
            access = self.access_tokens.get(token)
            if access is not None and access.expires_at > self.now():
                access.expires_at = self.now() - 1
                return Response.json(200, {})
        return oauth_error(400, "invalid_token", "Token expired or revoked")
