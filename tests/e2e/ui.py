"""What a person does and reads in the browser, shared by the browser tests."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import Screenshots

LINK_TIMEOUT_MS = 20_000
JITSI = re.compile(r"^https://meet\.jit\.si/\S+$")


def django_date(moment: datetime) -> str:
    """A moment as the meeting page writes it (Django's "l j F Y, H:i")."""
    return f"{moment:%A} {moment.day} {moment:%B} {moment.year}, {moment:%H:%M}"


def fact(page: Page, term: str | re.Pattern[str]) -> Locator:
    """The value next to a term in a facts list (<dt>term</dt><dd>value</dd>); a string term
    is matched whole, a pattern anywhere."""
    if isinstance(term, str):
        term = re.compile(rf"^\s*{re.escape(term)}\s*$")
    return page.locator("dl.facts dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def eventually(check: Callable[[], Any], *, timeout: float, refresh: Callable[[], Any]) -> None:
    """Retry `check` (which raises AssertionError) until it passes, calling `refresh` between
    tries; re-raise the last failure after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
            refresh()


def nav(page: Page, name: str) -> None:
    """Follow a link of the top navigation bar or, when the bar has no room for it at this
    screen width, the same link in the account menu, as a person would."""
    banner = page.get_by_role("banner")
    link = banner.get_by_role("link", name=name, exact=True)
    if link.count() == 0:  # hidden links have no role: the bar left it to the menu
        banner.locator("summary[aria-label^='Account menu']").click()
        link = banner.get_by_role("link", name=name, exact=True)
    link.click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def create_contact(
    page: Page,
    shoot: Screenshots,
    *,
    email: str,
    first: str,
    last: str,
    zone: str,
    owner: str | None = None,
) -> None:
    nav(page, "Contacts")
    page.get_by_role("button", name="New contact").click()
    expect(page.get_by_role("heading", name="New contact")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("Time zone").fill(zone)
    if owner:
        page.get_by_label("Owner").select_option(label=owner)
    shoot(page, "contact-new")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=f"{first} {last}", level=1)).to_be_visible()
    expect(page.get_by_text(f"Saved {first} {last}.")).to_be_visible()


def open_contact(page: Page, shoot: Screenshots, name: str) -> None:
    nav(page, "Contacts")
    expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
    shoot(page, "contacts")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    shoot(page, "contact")


def open_popup(page: Page) -> Locator:
    page.get_by_role("button", name="Schedule meeting").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Time zone", exact=True)).to_be_visible()
    return dialog


def meeting_count(page: Page) -> int:
    nav(page, "Meetings")
    expect(page.get_by_role("heading", name="Meetings", level=1)).to_be_visible()
    return page.locator("table tbody tr").count()
