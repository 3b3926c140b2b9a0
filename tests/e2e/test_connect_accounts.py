"""Connecting provider accounts in the browser: a person's own account through the
provider's consent page, an organization account through its credentials page, and a
meeting made with the connected account."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Fakes, Screenshots, Server
from tests.e2e.ui import LINK_TIMEOUT_MS, create_contact, nav, open_contact, open_popup

pytestmark = pytest.mark.browser


def connections_card(page: Page, provider: str) -> Any:
    return page.locator(f'[data-provider="{provider}"]')


def test_a_person_connects_google_through_the_consent_page_and_gets_meet_links(
    page: Page, fakes: Fakes, server: Server, shoot: Screenshots
) -> None:
    nav(page, "Connections")
    card = connections_card(page, "google_meet")
    card.get_by_role("button", name="Connect my account").click()

    # Google's (fake) consent page, on the provider's own address.
    expect(page).to_have_url(re.compile(re.escape(fakes.url("google")) + r"/o/oauth2/v2/auth"))
    shoot(page, "google-consent")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_role("button", name="Allow").click()

    expect(page).to_have_url(re.compile(r"/connections/$"))
    expect(page.get_by_text("Connected Google Meet account alice@example.com.")).to_be_visible()
    row = connections_card(page, "google_meet").locator("tbody tr")
    expect(row).to_contain_text("alice@example.com")
    expect(row).to_contain_text("Active")
    shoot(page, "connections")

    create_contact(
        page,
        shoot,
        email="dana@example.org",
        first="Dana",
        last="Reyes",
        zone="America/Chicago",
        owner="alice",
    )
    open_contact(page, shoot, "Dana Reyes")
    dialog = open_popup(page)
    dialog.get_by_label("Meeting on").select_option(label="Google Meet")
    expect(dialog.locator('[data-provider-warning="google_meet"]')).to_have_count(0)
    dialog.get_by_role("button", name="Schedule").click()

    link = page.locator("#join-link")
    expect(link).to_have_attribute(
        "href",
        re.compile(r"^https://meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3}$"),
        timeout=LINK_TIMEOUT_MS,
    )
    shoot(page, "meeting-google")
    # The event exists once at the provider, on alice's calendar, with that link. (Her
    # calendar may hold other entries: team calendar events the installation's other
    # tests gave her are copied into it, without attendees.)
    state = httpx2.get(f"{fakes.url('google')}/_fake/state").json()
    events = [
        e
        for e in state["accounts"]["alice@example.com"]["events"]
        if not e["deleted"] and "dana@example.org" in e["attendees"]
    ]
    assert [e["hangout_link"] for e in events] == [link.get_attribute("href")]
    assert events[0]["attendees"] == ["dana@example.org"]


def test_an_administrator_adds_zoom_organization_credentials(
    page: Page, fakes: Fakes, shoot: Screenshots
) -> None:
    from fakeproviders.zoom import ACCOUNT_ID, S2S_CLIENT_ID, S2S_CLIENT_SECRET

    nav(page, "Connections")
    connections_card(page, "zoom").get_by_role("button", name="Organization credentials").click()
    expect(
        page.get_by_role("heading", name=re.compile("Zoom: organization credentials"))
    ).to_be_visible()
    page.get_by_label("Account ID").fill(ACCOUNT_ID)
    page.get_by_label("Client ID").fill(S2S_CLIENT_ID)
    page.get_by_label("Client secret").fill("not-the-secret")
    page.get_by_label("A user's email to check hosting with").fill("alice@example.com")
    page.get_by_role("button", name="Check and save").click()
    # A wrong secret is refused, named, and nothing is saved.
    expect(page.locator(".errorlist")).to_contain_text("Zoom")
    shoot(page, "zoom-org-refused")

    page.get_by_label("Client secret").fill(S2S_CLIENT_SECRET)
    page.get_by_role("button", name="Check and save").click()
    expect(page).to_have_url(re.compile(r"/connections/$"))
    row = connections_card(page, "zoom").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Organization")
    expect(row).to_contain_text("Active")
    # The secret is not shown anywhere on the page.
    assert S2S_CLIENT_SECRET not in page.content()
    shoot(page, "zoom-org-connected")
