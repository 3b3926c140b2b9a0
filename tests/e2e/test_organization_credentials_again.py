"""Entering organization credentials again, checked with another user, repairs the
organization account: the Connections page still lists one, and the form says what the
user it asks for is for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots
from tests.e2e.ui import nav

pytestmark = pytest.mark.browser


def enter(page: Page, check_user: str) -> None:
    from fakeproviders.zoom import ACCOUNT_ID, S2S_CLIENT_ID, S2S_CLIENT_SECRET

    zoom = page.locator('[data-provider="zoom"]')
    zoom.get_by_role("button", name="Organization credentials").first.click()
    page.get_by_label("Account ID").fill(ACCOUNT_ID)
    page.get_by_label("Client ID").fill(S2S_CLIENT_ID)
    page.get_by_label("Client secret").fill(S2S_CLIENT_SECRET)
    page.get_by_label("A user's email to check hosting with").fill(check_user)
    page.get_by_role("button", name="Check and save").click()
    expect(page).to_have_url(re.compile(r"/connections/$"))


def test_credentials_entered_again_with_another_user_keep_one_organization_account(
    page: Page, shoot: Screenshots
) -> None:
    nav(page, "Connections")
    enter(page, "alice@example.com")
    organization = page.locator('[data-provider="zoom"] tbody tr', has_text="Organization")
    expect(organization).to_have_count(1)

    page.locator('[data-provider="zoom"]').get_by_role(
        "button", name="Organization credentials"
    ).first.click()
    expect(page.get_by_text("Only to check the credentials now")).to_be_visible()
    shoot(page, "zoom-org-form-explains-the-test-user")
    nav(page, "Connections")
    enter(page, "carol@example.com")
    expect(organization).to_have_count(1)
    expect(organization).to_contain_text("Active")
    shoot(page, "zoom-org-repaired")
