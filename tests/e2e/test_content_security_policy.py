"""The Content-Security-Policy breaks no page: a person goes through every kind of page,
the popup, the meeting page's buttons, the outbox preview, the administration and the API
docs in Chromium, and the browser reports no violation."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, log_in, new_context
from tests.e2e.ui import JITSI, LINK_TIMEOUT_MS, create_contact, nav, open_contact, open_popup

pytestmark = pytest.mark.browser

# Runs before any script of every page: records what the policy refused.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`
  );
});
"""


class Violations:
    """Every violation Chromium reported, from the console and from the page's own events."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def assert_none(self, where: str) -> None:
        self.page.wait_for_load_state("load")
        recorded = self.page.evaluate("window.__cspViolations || []")
        found = self.console + [f"{self.page.url}: {v}" for v in recorded]
        assert not found, f"CSP violations on {where}:\n" + "\n".join(found)


@pytest.fixture
def watched(browser: Any, server: Server) -> Iterator[tuple[Page, Violations]]:
    context = new_context(browser, server)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    try:
        yield page, Violations(page)
    finally:
        context.close()


def test_no_page_violates_the_content_security_policy(
    watched: tuple[Page, Violations], server: Server, shoot: Screenshots
) -> None:
    page, violations = watched
    page.goto("/login/")
    violations.assert_none("the login page")
    log_in(page, server, shoot)
    violations.assert_none("the contacts list")

    suffix = secrets.token_hex(3)
    create_contact(
        page, shoot, email=f"csp-{suffix}@example.org", first="Cass", last=suffix, zone="Asia/Tokyo"
    )
    open_contact(page, shoot, f"Cass {suffix}")
    violations.assert_none("the contact page")

    # The popup opens, closes back to its placeholder, opens again and schedules.
    dialog = open_popup(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#dialog-body .dialog-loading")).to_be_attached()
    dialog = open_popup(page)
    expect(dialog.locator("input[name=browser_timezone]")).to_have_value("Asia/Tokyo")
    dialog.get_by_role("button", name="Schedule", exact=True).click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
    expect(page.locator("a#join-link")).to_have_attribute("href", JITSI, timeout=LINK_TIMEOUT_MS)
    # Once invited, the status stops reloading itself and the button stays put.
    expect(page.locator("[data-state]").first).to_have_attribute(
        "data-state", "invited", timeout=LINK_TIMEOUT_MS
    )
    copy = page.locator("button[data-copy-link]")
    copy.click()
    expect(copy).to_have_text("Copied")
    violations.assert_none("the popup and the meeting page")

    nav(page, "Meetings")
    nav(page, "Outbox")
    page.locator("table tbody tr").first.get_by_role("link").first.click()
    expect(page.frame_locator("iframe.mail-body").locator("body")).to_contain_text("Hello")
    violations.assert_none("the outbox and a message")

    for path, ready in [
        ("/connections/", page.get_by_role("heading", name="Connections", level=1)),
        ("/connections/zoom/organization/", page.get_by_role("button", name="Check and save")),
        ("/contacts/new/", page.get_by_role("heading", name="New contact")),
        ("/team/", page.get_by_role("heading", name="Team", level=1)),
        ("/jobs/", page.get_by_role("heading", name="Jobs", level=1)),
        ("/jobs/new/", page.get_by_role("heading", name="New job")),
        ("/jobs/mine/", page.get_by_role("heading", name="My jobs")),
        ("/jobs/calendar/", page.get_by_role("heading", name="Your jobs in your calendar")),
        # The week's time grid places events with classes, never an inline style.
        ("/calendar/", page.locator("[data-role=week-grid]")),
        ("/virtual-meetings/", page.get_by_role("heading", name="Virtual meetings configuration")),
        ("/admin/", page.get_by_role("heading", name="Site administration")),
        ("/admin/crm/contact/", page.get_by_role("link", name=f"csp-{suffix}@example.org")),
        ("/admin/crm/contact/add/", page.get_by_role("button", name="Save", exact=True)),
        ("/api/v1/docs", page.locator(".swagger-ui .info .title")),
    ]:
        page.goto(path)
        expect(ready).to_be_visible()
        violations.assert_none(path)


def test_the_policy_names_no_other_origin(server: Server, browser: Any) -> None:
    context = new_context(browser, server)
    try:
        response = context.request.get(f"{server.url}/login/")
        policy = response.headers["content-security-policy"]
    finally:
        context.close()
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert not re.search(r"https?://", policy), policy
