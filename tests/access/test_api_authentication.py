"""Who is asking, before what they may do: an anonymous request is told to authenticate
(401), a signed-in browser session still needs its CSRF token (403)."""

from __future__ import annotations

import pytest
from django.test import Client

from convener.team.models import User

pytestmark = pytest.mark.django_db

WRITES = [
    ("post", "/api/v1/contacts"),
    ("patch", "/api/v1/contacts/1"),
    ("post", "/api/v1/meetings"),
    ("post", "/api/v1/meetings/1/cancel"),
    ("post", "/api/v1/actions/1/schedule"),
]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_an_anonymous_write_is_told_to_authenticate_not_refused_for_csrf(
    method: str, path: str
) -> None:
    browser = Client(enforce_csrf_checks=True)
    answer = getattr(browser, method)(path, "{}", content_type="application/json")
    assert answer.status_code == 401
    assert answer.json()["errors"] == [
        {"field": "Authorization", "message": "send 'Authorization: Bearer <token>' or log in"}
    ]


def test_a_signed_in_session_without_the_csrf_token_is_refused(member: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    body = '{"email": "dana@example.org"}'
    answer = browser.post("/api/v1/contacts", body, content_type="application/json")
    assert answer.status_code == 403
    assert "CSRF" in answer.json()["detail"]

    browser.get("/contacts/")  # the page sets the CSRF cookie, as a browser would get it
    token = browser.cookies["csrftoken"].value
    answer = browser.post(
        "/api/v1/contacts", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert answer.status_code == 201, answer.content
