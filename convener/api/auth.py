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


AUTH: list[Any] = [TokenAuth(), SessionAuth()]
