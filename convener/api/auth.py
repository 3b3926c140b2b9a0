"""API authentication: bearer tokens from `convener createtoken`, or the browser session
(with CSRF protection, through django-ninja's cookie auth)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from convener.team.models import ApiToken, User


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return ApiToken.authenticate(token)


class SignedInSession(SessionAuth):
    """The browser session. django-ninja checks CSRF before it looks for a user, so a
    request with no session at all would get "CSRF check Failed" (403) instead of "not
    authenticated" (401). Without a signed-in user there is nothing to forge: skip the
    check and let the request fall through to 401. A signed-in session still needs the
    CSRF token."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        key: str | None = super()._get_key(request)
        return key


AUTH: list[Any] = [TokenAuth(), SignedInSession()]


def person(request: HttpRequest) -> User:
    """The team member the request is authenticated as (every operation needs one)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise TypeError("the operation runs without authentication")
    return user
