"""Every page a person visits fits a laptop (1280 px) and a phone (390 px): nothing pushes the
page wider than the screen, the popup fits, and the primary action stays within reach."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, new_context, signed_in
from tests.e2e.ui import JITSI, LINK_TIMEOUT_MS, create_contact, nav, open_contact, open_popup

pytestmark = pytest.mark.browser

WIDTHS = {"laptop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def sized_page(
    request: pytest.FixtureRequest, browser: Any, server: Server, shoot: Screenshots
) -> Iterator[Page]:
    width, height = WIDTHS[request.param]
    context = new_context(browser, server, width=width, height=height)
    with signed_in(context, server, shoot) as page:
        yield page


def assert_fits(page: Page) -> None:
    """No horizontal scrolling of the page itself (wide tables scroll inside their card)."""
    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, (
        f"{page.url} is {scroll_width}px wide on a {client_width}px screen"
    )


def assert_in_view(page: Page, locator: Any) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (
        f"{locator} sticks out of the {viewport['width']}px screen: {box}"
    )


def test_pages_fit_the_screen(sized_page: Page, shoot: Screenshots) -> None:
    page = sized_page
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert_fits(page)
    assert_in_view(page, page.get_by_role("button", name="New contact"))

    first, last = "Layout", f"Check{width}"
    create_contact(
        page,
        shoot,
        email=f"layout-{width}-{secrets.token_hex(3)}@example.org",
        first=first,
        last=last,
        zone="Asia/Kolkata",
    )
    assert_fits(page)
    open_contact(page, shoot, f"{first} {last}")
    assert_fits(page)
    assert_in_view(page, page.get_by_role("button", name="Schedule meeting"))

    # The popup fits the screen, and its buttons can be reached.
    dialog = open_popup(page)
    shoot(page, "popup")
    assert_in_view(page, dialog.get_by_role("article").first)
    dialog.get_by_label("Date", exact=True).fill("")
    dialog.get_by_label("Time zone", exact=True).fill("Mars/Base")
    dialog.get_by_role("button", name="Schedule", exact=True).click()
    expect(dialog.locator('.errorlist[data-field="timezone"]')).to_be_visible()
    expect(dialog.locator('.errorlist[data-field="date"]')).to_be_visible()
    shoot(page, "popup-errors")
    assert_fits(page)
    submit = dialog.get_by_role("button", name="Schedule", exact=True)
    submit.scroll_into_view_if_needed()
    assert_in_view(page, submit)
    assert_in_view(page, dialog.get_by_role("button", name="Cancel"))

    dialog.get_by_label("Date", exact=True).fill((date.today() + timedelta(days=3)).isoformat())
    dialog.get_by_label("Time", exact=True).fill("16:30")
    dialog.get_by_label("Time zone", exact=True).fill("Asia/Kolkata")
    submit.click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
    assert_fits(page)
    expect(page.locator("a#join-link")).to_have_attribute("href", JITSI, timeout=LINK_TIMEOUT_MS)
    assert_in_view(page, page.get_by_role("button", name="Join meeting"))
    shoot(page, "meeting")
    assert_fits(page)

    nav(page, "Meetings")
    shoot(page, "meetings")
    assert_fits(page)
    nav(page, "Outbox")
    shoot(page, "outbox")
    assert_fits(page)
    page.get_by_role("link", name=re.compile(r"^Invitation:")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Invitation:"))
    page.get_by_text("Invitation file (ICS)").click()
    shoot(page, "message")
    assert_fits(page)
    assert_in_view(page, page.get_by_role("button", name=re.compile("invite.ics")))
