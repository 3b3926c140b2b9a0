"""Every response carries the security headers: a Content-Security-Policy of Convener's own
origin only, Referrer-Policy, nosniff, no framing, and HSTS once the site is https."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.template import engines

from convener.team.models import User
from tests.test_settings_and_cli import convener

pytestmark = pytest.mark.django_db

SHOW_HEADERS_OVER_HTTPS = """
from django.test import Client
response = Client(HTTP_HOST="convener.example").get("/login/", secure=True)
print(response.headers.get("Strict-Transport-Security"))
"""


@pytest.mark.parametrize("path", ["/login/", "/contacts/", "/api/v1/contacts", "/admin/login/"])
def test_every_response_carries_the_security_headers(client: Any, member: User, path: str) -> None:
    client.force_login(member)
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert not re.search(r"https?:|'unsafe-", policy)
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # the test site is http


def test_an_inline_script_written_with_the_request_nonce_is_allowed(rf: Any) -> None:
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')

    def page(request: HttpRequest) -> HttpResponse:
        return HttpResponse(template.render({}, request))

    # Around a synchronous view the middleware answers synchronously, with the view's answer.
    response = cast(HttpResponse, CSPMiddleware(page)(rf.get("/api/v1/docs")))
    match = re.search(r'nonce="([^"]+)"', response.content.decode())
    assert match is not None
    assert f"'nonce-{match[1]}'" in response.headers["Content-Security-Policy"]


def test_hsts_is_sent_when_the_site_url_is_https(tmp_path: Path) -> None:
    result = convener(
        "shell",
        "-v",
        "0",
        "-c",
        SHOW_HEADERS_OVER_HTTPS,
        env={
            "CONVENER_DATA_DIR": str(tmp_path / "data"),
            "CONVENER_SITE_URL": "https://convener.example",
            "CONVENER_ALLOWED_HOSTS": "convener.example",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "max-age=31536000"
