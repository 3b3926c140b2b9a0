"""Guessing passwords through the login forms is throttled: after five failures for one
username from one address, that pair is locked out for fifteen minutes, and the login page
says so rather than answering a bare error page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from convener.team.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # the member fixture's
LOCKED_OUT = "Too many failed attempts to log in with this username from your address"


def log_in(client: Any, password: str, path: str = "/login/", address: str = "192.0.2.7") -> Any:
    return client.post(
        path, {"username": "ann", "password": password}, REMOTE_ADDR=address, follow=False
    )


def fail(client: Any, times: int, path: str = "/login/", address: str = "192.0.2.7") -> Any:
    response = None
    for _ in range(times):
        response = log_in(client, "wrong guess", path, address)
    return response


def test_the_fifth_wrong_password_locks_out_with_a_clear_message_on_the_login_page(
    client: Any, member: User
) -> None:
    fourth = fail(client, 4)
    assert fourth.status_code == 200
    assert "correct username and password" in fourth.content.decode()

    fifth = fail(client, 1)

    html = fifth.content.decode()
    assert fifth.status_code == 429
    assert LOCKED_OUT in html and "15 minutes" in html
    assert "Log in to Convener" in html and 'name="password"' in html
    assert "correct username and password" not in html


def test_a_locked_out_username_cannot_log_in_even_with_the_right_password(
    client: Any, member: User
) -> None:
    fail(client, 5)
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_fifteen_minutes(client: Any, member: User) -> None:
    fail(client, 5)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = log_in(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/contacts/"


def test_the_same_username_from_another_address_can_still_log_in(client: Any, member: User) -> None:
    fail(client, 5, address="192.0.2.7")
    assert log_in(client, PASSWORD, address="198.51.100.20").status_code == 302


def test_a_successful_login_clears_the_earlier_failures(client: Any, member: User) -> None:
    fail(client, 4)
    assert log_in(client, PASSWORD).status_code == 302
    client.post("/logout/")
    assert fail(client, 4).status_code == 200


def test_the_administration_login_is_throttled_with_the_same_message(
    client: Any, member: User
) -> None:
    member.is_staff = True
    member.save()
    assert fail(client, 4, path="/admin/login/").status_code == 200

    fifth = fail(client, 1, path="/admin/login/")

    html = fifth.content.decode()
    assert fifth.status_code == 429
    assert LOCKED_OUT in html
    assert "Django administration" in html and 'name="password"' in html
