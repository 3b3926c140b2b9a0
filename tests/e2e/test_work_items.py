"""Work items in the browser: the administrator sets up Jitsi on the Virtual meetings
page, a scheduler creates and dispatches a job, the resource accepts it on a phone, and
the link appears on the scheduler's open job page without a reload; removing the
provider (after confirming) leaves the link and warns on the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, new_context, run_in_installation, signed_in

pytestmark = pytest.mark.browser

PASSWORD = "rita-e2e-password-7"
SETUP = """
from convener.crm.models import Contact
from convener.team.models import User

rita, made = User.objects.get_or_create(
    username="rita", defaults={"email": "rita@example.com", "first_name": "Rita",
                               "timezone": "Europe/Berlin"})
rita.set_password(DATA["password"])
rita.save()
Contact.objects.get_or_create(email="gus@client.example",
                              defaults={"first_name": "Gus", "last_name": "Meyer"})
"""


@pytest.fixture
def scheduler(browser: Any, server: Server, shoot: Screenshots) -> Iterator[Page]:
    context = new_context(browser, server, zone="America/New_York")
    with signed_in(context, server, shoot) as page:
        yield page


def test_a_job_goes_ready_and_its_link_appears_live_then_the_provider_is_removed(
    server: Server,
    postgres_database: str | None,
    scheduler: Page,
    browser: Any,
    shoot: Screenshots,
) -> None:
    run_in_installation(server, postgres_database, SETUP, {"password": PASSWORD})
    page = scheduler

    # The configuration page warns that nothing is set up, then Jitsi is chosen.
    page.goto("/virtual-meetings/")
    expect(page.locator("[data-role=no-provider]")).to_be_visible()
    page.get_by_label("Select provider").select_option(label="Jitsi Meet")
    page.get_by_role("button", name="Choose provider").click()
    expect(page.get_by_role("heading", name="Jitsi Meet")).to_be_visible()
    expect(page.locator("[data-role=no-provider]")).to_have_count(0)
    shoot(page, "provider")

    # Enabling asks to confirm the settings first.
    page.get_by_role("link", name="Automation").click()
    page.get_by_role("button", name="Enable automation").click()
    expect(page.locator("[data-field=confirm]")).to_contain_text("Confirm the settings")
    page.get_by_label("I have checked these settings").check()
    page.get_by_role("button", name="Enable automation").click()
    expect(page.locator("[data-role=automation-state]")).to_have_text("enabled")
    shoot(page, "automation")

    # A job for Gus, done by Rita, in Berlin time.
    page.goto("/jobs/new/")
    page.get_by_label("Title", exact=True).fill("Heat pump check")
    page.get_by_label("Primary contact").fill("gus@client.example")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_label("Start", exact=True).fill("2031-05-06T09:00")
    page.get_by_label("End", exact=True).fill("2031-05-06T10:00")
    page.get_by_label("Rita").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1 [data-job-status]")).to_have_text("Pending Dispatch")
    page.get_by_role("button", name="Dispatch").click()
    expect(page.locator("h1 [data-job-status]")).to_have_text("Dispatched")
    page.evaluate("window.stillTheSamePage = true")
    shoot(page, "dispatched")

    # Rita accepts on her phone.
    phone_context = new_context(browser, server, 390, 844, zone="Europe/Berlin")
    try:
        phone = phone_context.new_page()
        phone.goto("/login/")
        phone.get_by_label("Username").fill("rita")
        phone.get_by_label("Password").fill(PASSWORD)
        phone.get_by_role("button", name="Log in").click()
        phone.goto("/jobs/mine/")
        card = phone.locator(".my-job", has_text="Heat pump check")
        card.get_by_role("button", name="Accept").click()
        expect(card.locator("[data-role=job-link]")).to_have_attribute(
            "href", re.compile(r"^https://"), timeout=30_000
        )
        shoot(phone, "phone")
    finally:
        phone_context.close()

    # The scheduler's page shows the link by itself.
    link = page.locator("#job-meeting [data-role=job-link]")
    expect(link).to_have_attribute("href", re.compile(r"^https://"), timeout=30_000)
    assert page.evaluate("window.stillTheSamePage") is True
    href = link.get_attribute("href")
    shoot(page, "linked")

    # Removing the provider asks first; the job keeps its link.
    page.goto("/virtual-meetings/")
    page.get_by_role("button", name="Remove provider").click()
    page.get_by_role("button", name="Yes, remove the provider").click()
    expect(page.locator("[data-role=no-provider]")).to_be_visible()
    page.get_by_role("banner").get_by_role("link", name="Jobs", exact=True).click()
    page.get_by_role("link", name="Heat pump check").first.click()
    expect(page.locator("#job-meeting [data-role=job-link]")).to_have_attribute("href", href or "")
    expect(page.locator("[data-role=no-provider]")).to_be_visible()
    shoot(page, "removed")
