"""Someone guessing passwords in the browser is stopped after five tries, and the login page
says why and for how long."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, new_context

pytestmark = pytest.mark.browser


def test_the_login_page_says_why_after_five_wrong_passwords(browser: Any, server: Server) -> None:
    # A username of its own: the lockout must not reach the other tests' administrator.
    username = f"guesser-{secrets.token_hex(3)}"
    context = new_context(browser, server)
    page = context.new_page()
    try:
        page.goto("/login/")
        for attempt in range(1, 6):
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill(f"guess {attempt}")
            page.get_by_role("button", name="Log in").click()
            expect(page.get_by_role("alert")).to_be_visible()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Too many failed attempts to log in")
        expect(alert).to_contain_text("15 minutes")
        expect(page.get_by_role("button", name="Log in")).to_be_visible()
    finally:
        context.close()
