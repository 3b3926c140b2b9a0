"""A member's own time, in the browser: the offer of the browser's zone on first sign-in,
the profile's API tokens, and the time-zone picker.

The browser is in Europe/Paris and the server in UTC. Each test signs in as a member of
its own (seeded with `convener shell`), so that alice's zone, which other browser tests
read, never changes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, run_in_installation

pytestmark = pytest.mark.browser

PARIS = "Europe/Paris"
# A token made at 08:00 UTC on a winter day: 09:00 in Paris. Past and fixed, so the test
# never depends on today's date.
SEEDED_TOKEN_CREATED = "2025-01-15T08:00:00+00:00"

SEED = """
from datetime import datetime
from convener.team.models import ApiToken, User

user = User.objects.create_user(DATA["username"], DATA["email"], DATA["password"],
                                first_name=DATA["first"])
token, _ = ApiToken.issue(user, "Seeded sync")
ApiToken.objects.filter(pk=token.pk).update(created_at=datetime.fromisoformat(DATA["created"]))
"""


@pytest.fixture
def member(server: Server, postgres_database: str | None) -> dict[str, str]:
    """A new member whose zone was never chosen (UTC, the installation's default)."""
    suffix = secrets.token_hex(3)
    data = {
        "username": f"pat-{suffix}",
        "email": f"pat-{suffix}@example.com",
        "password": secrets.token_urlsafe(16),
        "first": f"Pat {suffix}",
        "created": SEEDED_TOKEN_CREATED,
    }
    run_in_installation(server, postgres_database, SEED, data)
    return data


@pytest.fixture
def paris_page(browser: Any, server: Server, member: dict[str, str]) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id=PARIS,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/login/")
        page.get_by_label("Username").fill(member["username"])
        page.get_by_label("Password").fill(member["password"])
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/contacts/$"))
        yield page
    finally:
        context.close()


def open_profile(page: Page, member: dict[str, str]) -> None:
    page.get_by_label(f"Account menu for {member['first']}").click()
    page.get_by_role("link", name="Your profile").click()
    expect(page.get_by_role("heading", name="Your profile", level=1)).to_be_visible()


def token_row(page: Page, name: str) -> Any:
    return page.locator("table.tokens tbody tr", has_text=name)


def test_the_browsers_zone_is_offered_once_and_then_times_show_in_paris(
    paris_page: Page, member: dict[str, str], shoot: Screenshots
) -> None:
    page = paris_page
    open_profile(page, member)
    # Until the member answers, times are in the installation's default zone.
    expect(token_row(page, "Seeded sync")).to_contain_text("15 Jan 2025, 08:00")
    offer = page.locator("form[data-zone-offer]")
    expect(offer).to_contain_text("Your browser is in Europe/Paris. Use it for times shown to you?")
    expect(offer.get_by_role("button", name="Keep UTC")).to_be_visible()
    shoot(page, "zone-offer")

    offer.get_by_role("button", name="Use Europe/Paris").click()

    expect(page.get_by_text("Times are now shown in Europe/Paris.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your profile", level=1)).to_be_visible()
    expect(token_row(page, "Seeded sync")).to_contain_text("15 Jan 2025, 09:00")
    expect(page.locator("form[data-zone-offer]")).to_have_count(0)
    expect(page.get_by_label("Time zone", exact=True)).to_have_value(PARIS)
    page.reload()
    expect(page.locator("form[data-zone-offer]")).to_have_count(0)
    shoot(page, "times-in-paris")


def test_a_new_token_is_shown_once_and_can_be_revoked(
    paris_page: Page, member: dict[str, str], shoot: Screenshots
) -> None:
    page = paris_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_profile(page, member)
    page.get_by_label("Token name").fill("CRM sync")
    page.get_by_role("button", name="Create token").click()

    secret_box = page.get_by_label("New token")
    expect(secret_box).to_have_value(re.compile(r"^cnv_\S{20,}$"))
    secret = secret_box.input_value()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    expect(token_row(page, "CRM sync")).to_contain_text(secret[:12])
    expect(token_row(page, "CRM sync")).to_contain_text("Never")
    shoot(page, "token-created")

    page.reload()
    expect(token_row(page, "CRM sync")).to_be_visible()
    assert secret not in page.content()
    expect(page.get_by_label("New token")).to_have_count(0)

    token_row(page, "CRM sync").get_by_role("button", name="Revoke CRM sync").click()
    expect(page.get_by_role("heading", name="Revoke the token “CRM sync”?")).to_be_visible()
    shoot(page, "token-revoke")
    page.get_by_role("button", name="Revoke token").click()
    expect(page.get_by_text("Revoked the token “CRM sync”: it no longer works.")).to_be_visible()
    expect(token_row(page, "CRM sync")).to_have_count(0)
    expect(token_row(page, "Seeded sync")).to_be_visible()


def test_the_picker_finds_a_zone_by_a_city_or_an_offset(
    paris_page: Page, member: dict[str, str], shoot: Screenshots
) -> None:
    page = paris_page
    open_profile(page, member)
    field = page.get_by_label("Time zone", exact=True)
    options = page.get_by_role("listbox").get_by_role("option")

    field.fill("")
    field.press_sequentially("new york")
    expect(options.first).to_have_text(re.compile(r"^America/New_York \(UTC-0[45]:00\)$"))
    shoot(page, "picker-new-york")
    options.first.click()
    expect(field).to_have_value("America/New_York")
    expect(page.get_by_role("listbox")).to_be_hidden()

    field.fill("")
    field.press_sequentially("+05:30")
    expect(options.filter(has_text="Asia/Kolkata (UTC+05:30)")).to_be_visible()
    expect(options.filter(has_text="Asia/Colombo (UTC+05:30)")).to_be_visible()
    field.press_sequentially(" kol")
    expect(options).to_have_text(["Asia/Kolkata (UTC+05:30)"])
    field.press("ArrowDown")
    field.press("Enter")
    expect(field).to_have_value("Asia/Kolkata")

    field.fill("")
    field.press_sequentially("paris")
    expect(options).to_have_text([re.compile(r"^Europe/Paris \(UTC\+0[12]:00\)$")])
    field.press("Enter")
    expect(field).to_have_value(PARIS)

    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Saved your profile.")).to_be_visible()
    expect(page.get_by_label("Time zone", exact=True)).to_have_value(PARIS)


def test_a_legacy_zone_is_refused_with_the_city_to_use(
    paris_page: Page, member: dict[str, str]
) -> None:
    page = paris_page
    open_profile(page, member)
    page.get_by_label("Time zone", exact=True).fill("US/Eastern")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("[data-field=timezone]")).to_have_text(
        "US/Eastern is an old alias; use a city zone such as America/New_York"
    )
