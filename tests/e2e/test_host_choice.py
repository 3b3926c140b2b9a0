"""Choosing which account hosts a meeting, in the browser: a contact nobody owns, scheduled
on "My account" (the person's own Zoom), from a browser in Paris."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.dates import winter_day
from tests.e2e.conftest import Fakes, Screenshots, Server, new_context, signed_in
from tests.e2e.ui import LINK_TIMEOUT_MS, create_contact, nav, open_contact, open_popup

pytestmark = pytest.mark.browser


@pytest.fixture
def paris_page(browser: Any, server: Server, shoot: Screenshots) -> Iterator[Page]:
    """Signed in as alice, in a browser whose own zone is Europe/Paris."""
    context = new_context(browser, server, zone="Europe/Paris", locale="fr-FR")
    with signed_in(context, server, shoot) as page:
        yield page


def test_a_contact_without_an_owner_is_scheduled_on_my_zoom_account(
    paris_page: Page, fakes: Fakes, shoot: Screenshots
) -> None:
    page = paris_page
    # alice connects her own Zoom account through Zoom's (fake) consent page.
    nav(page, "Connections")
    page.locator('[data-provider="zoom"]').get_by_role("button", name="Connect my account").click()
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_text("Connected Zoom account alice@example.com.")).to_be_visible()

    create_contact(
        page,
        shoot,
        email="nora@example.org",
        first="Nora",
        last="Nobody",
        zone="Europe/Paris",
        owner="No owner",
    )
    open_contact(page, shoot, "Nora Nobody")
    dialog = open_popup(page)
    dialog.get_by_label("Meeting on").select_option(label="Zoom")
    hosted = dialog.locator('[data-host-choice="zoom"]')
    expect(hosted).to_be_visible()
    # Nobody owns Nora: that choice is shown, disabled, with the reason.
    expect(hosted.get_by_label("The contact owner's account")).to_be_disabled()
    expect(hosted.get_by_text("This contact has no owner.")).to_be_visible()
    hosted.get_by_label("My account").check()
    dialog.get_by_label("Date", exact=True).fill(winter_day().isoformat())
    dialog.get_by_label("Time", exact=True).fill("10:00")
    dialog.get_by_label("Time zone", exact=True).fill("Europe/Paris")
    hosted.get_by_text("This contact has no owner.").scroll_into_view_if_needed()
    shoot(page, "popup-my-account")
    dialog.get_by_role("button", name="Schedule").click()

    link = page.locator("#join-link")
    expect(link).to_have_attribute(
        "href", re.compile(re.escape(fakes.url("zoom")) + r"/j/\d+"), timeout=LINK_TIMEOUT_MS
    )
    shoot(page, "meeting-on-my-zoom")
    # Made once at Zoom, for alice, with Nora invited by Convener.
    state = httpx2.get(f"{fakes.url('zoom')}/_fake/state").json()
    mine = [m for m in state["meetings"] if not m["deleted"] and "Nora" in m["topic"]]
    assert [m["host_email"] for m in mine] == ["alice@example.com"]
