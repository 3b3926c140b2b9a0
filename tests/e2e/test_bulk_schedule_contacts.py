"""Issue: "filter contacts, select all matching, open the bulk popup, remove one recipient,
schedule with options set once, and see the outcome", with the browser in Europe/Paris.

Everything is asserted as a person sees it, on a real `convener serve`.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.dates import winter_day
from tests.e2e.conftest import Screenshots
from tests.e2e.ui import LINK_TIMEOUT_MS, eventually, fact, nav

pytestmark = pytest.mark.browser

PARIS = ZoneInfo("Europe/Paris")


def add_contacts(page: Page, company: str, people: list[tuple[str, str]]) -> None:
    """Contacts made through the API with the browser's session, as a script would."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for first, zone in people:
        answer = page.request.post(
            "/api/v1/contacts",
            data={
                "email": f"{first.lower()}.{company.lower()}@example.org",
                "first_name": first,
                "last_name": company,
                "company": company,
                "timezone": zone,
            },
            headers={"X-CSRFToken": token},
        )
        assert answer.status == 201, answer.text()


def test_schedule_meetings_for_all_matching_contacts_with_options_set_once(
    paris_page: Page, shoot: Screenshots
) -> None:
    page = paris_page
    company = f"Lumiere{secrets.token_hex(3)}"
    in_paris = [(f"P{n:02d}", "Europe/Paris") for n in range(27)]
    add_contacts(page, company, [*in_paris, ("Nyla", "America/New_York")])

    # Filter: the company, then the Paris time zone; 25 a page, so "all matching" is more
    # than the boxes on screen.
    nav(page, "Contacts")
    page.get_by_label("Search", exact=True).fill(company)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".subtitle")).to_have_text("28 contacts match the filters")
    page.get_by_label("Time zone", exact=True).select_option("Europe/Paris")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".subtitle")).to_have_text("27 contacts match the filters")
    page.get_by_role("link", name="25", exact=True).click()
    expect(page.locator("table tbody tr")).to_have_count(25)
    expect(page.get_by_text("Nyla")).to_have_count(0)
    shoot(page, "filtered")

    # Select the page, then all that match.
    schedule = page.get_by_role("button", name="Schedule meeting")
    expect(schedule).to_be_disabled()
    page.get_by_label("Select every contact on this page").check()
    expect(page.get_by_text("All 25 on this page are selected.")).to_be_visible()
    page.get_by_role("button", name="Select all 27 matching contacts").click()
    expect(page.get_by_text("All 27 matching contacts are selected")).to_be_visible()
    shoot(page, "all-selected")

    # The popup: every matching contact is a recipient; remove one.
    schedule.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".recipient-count")).to_contain_text("27 recipients")
    removed = f"P00 {company}"
    dialog.get_by_role("button", name=f"Remove {removed}").click()
    expect(dialog.locator(".recipient-count")).to_contain_text("26 recipients")
    expect(dialog.get_by_text(removed)).to_have_count(0)
    shoot(page, "popup-recipients")

    # Options set once for all of them.
    expect(dialog.get_by_label("Set the options here")).to_be_checked()
    day = winter_day()
    dialog.get_by_label("Title", exact=True).fill("Paris workshop")
    dialog.get_by_label("Date", exact=True).fill(day.isoformat())
    dialog.get_by_label("Time", exact=True).fill("10:00")
    dialog.get_by_label("Time zone", exact=True).fill("Europe/Paris")
    dialog.get_by_label("Duration", exact=True).select_option(label="1 hour")
    shoot(page, "popup-options")
    dialog.get_by_role("button", name="Schedule", exact=True).click()

    # The outcome, in the dialog.
    outcome = dialog.locator(".bulk-outcome")
    expect(outcome).to_contain_text("26 meetings scheduled")
    expect(outcome).not_to_contain_text("skipped")
    run_link = outcome.get_by_role("link", name="Follow this run")
    expect(run_link).to_have_attribute("href", re.compile(r"^/runs/\d+/$"))
    shoot(page, "outcome")
    outcome.get_by_role("link", name="Open the meetings").click()

    # Each meeting at 10:00 in Paris, and none for the contact removed.
    expect(page.get_by_role("heading", name="Meetings", level=1)).to_be_visible()
    rows = page.locator("table tbody tr", has_text="Paris workshop")
    expect(rows).to_have_count(26)
    expect(page.locator("table tbody tr", has_text=removed)).to_have_count(0)
    rows.filter(has_text=f"P01 {company}").get_by_role("link", name="Paris workshop").click()
    start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=PARIS)
    expect(fact(page, re.compile("Europe/Paris"))).to_contain_text(
        f"{start:%A} {start.day} {start:%B} {start.year}, 10:00"
    )
    expect(page.locator("[data-state]").first).to_have_text("Scheduled", timeout=LINK_TIMEOUT_MS)
    shoot(page, "meeting")

    # The meetings list shows them being made.
    nav(page, "Meetings")
    eventually(
        lambda: expect(
            page.locator("table tbody tr", has_text="Paris workshop").filter(
                has=page.locator('[data-state="invited"]')
            )
        ).to_have_count(26, timeout=1_000),
        timeout=LINK_TIMEOUT_MS / 1000 * 3,
        refresh=page.reload,
    )


def test_delete_the_selected_contacts_after_a_confirmation(
    paris_page: Page, shoot: Screenshots
) -> None:
    page = paris_page
    company = f"Gone{secrets.token_hex(3)}"
    add_contacts(page, company, [("Ana", "Europe/Paris"), ("Bo", ""), ("Cai", "Asia/Tokyo")])

    nav(page, "Contacts")
    page.get_by_label("Search", exact=True).fill(company)
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table tbody tr")).to_have_count(3)
    page.get_by_label(f"Select Ana {company}").check()
    page.get_by_label(f"Select Cai {company}").check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.get_by_role("button", name="Delete", exact=True).click()

    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete 2 contacts?")
    expect(dialog).to_contain_text("No upcoming meeting will be cancelled.")
    shoot(page, "delete-confirm")
    dialog.get_by_role("button", name="Delete 2 contacts").click()

    expect(page.get_by_role("status")).to_contain_text("Deleted 2 contacts.")
    expect(page.locator("table tbody tr")).to_have_count(1)
    expect(page.locator("table tbody tr")).to_contain_text(f"Bo {company}")
    shoot(page, "deleted")
