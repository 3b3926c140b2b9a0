"""Issue: segments in the web UI. With the browser in Europe/Paris: build a dynamic segment
with a date rule in the rule builder, watch its live count, save it, see its members, and
schedule meetings for it with an existing action.

The custom field, the contacts and the action are made beforehand with `convener shell`
against the served installation (the contact form does not edit custom fields); what the
test checks is what a person sees and clicks.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, run_in_installation
from tests.e2e.ui import nav

pytestmark = pytest.mark.browser

SEED = """
from convener.crm.models import Contact, CustomField
from convener.meetings.models import MeetingAction

CustomField.objects.create(key=DATA["key"], label=DATA["label"], kind="date")
for person in DATA["contacts"]:
    Contact.objects.create(
        email=person["email"],
        first_name=person["first"],
        last_name="Renner",
        company=DATA["company"],
        timezone="Europe/Paris",
        fields={DATA["key"]: person["renewal"]},
    )
MeetingAction.objects.create(
    name=DATA["action"],
    provider="jitsi",
    title_template="Renewal call with {{ contact.first_name }}",
)
"""


def seed(server: Server, database_url: str | None, data: dict[str, Any]) -> None:
    run_in_installation(server, database_url, SEED, data)


def choose_field(page: Page, condition: int, label: str, name: str) -> None:
    """Pick the field of a condition of the first group, and wait until the builder has
    redrawn that row for it (its operators and its value input).

    It waits for the builder's redraws to settle, before and after: htmx binds the new
    selects' change handlers when the swap settles (20 ms after it), and a change made
    before that, quicker than a person's, is never sent (the next step's operator
    change was lost so on a busy machine)."""
    settled(page)
    page.get_by_label(f"Field of condition {condition} in group 1").select_option(label=label)
    drawn_for = page.locator(f"input[name='g0c{condition - 1}-was']")
    expect(drawn_for).to_have_value(name)
    settled(page)


def settled(page: Page) -> None:
    """No redraw of the builder under way or settling."""
    expect(page.locator("#rule-builder.htmx-added, #rule-builder .htmx-added")).to_have_count(0)
    expect(page.locator(".htmx-settling, .htmx-request")).to_have_count(0)


def test_a_dynamic_segment_with_a_date_rule_gets_its_meetings(
    paris_page: Page, server: Server, postgres_database: str | None, shoot: Screenshots
) -> None:
    page = paris_page
    refused: list[str] = []  # what the Content-Security-Policy refused, if anything
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    suffix = secrets.token_hex(3)
    today = date.today()
    company = f"Paris Renewals {suffix}"
    label = f"Renewal {suffix}"
    action = f"Renewal wave {suffix}"
    contacts = [
        ("Ann", 5),  # within the next 30 days
        ("Bea", 12),  # within
        ("Cid", 90),  # too late
        ("Dan", -3),  # already past
    ]
    seed(
        server,
        postgres_database,
        {
            "key": f"renewal_{suffix}",
            "label": label,
            "company": company,
            "action": action,
            "contacts": [
                {
                    "email": f"{first.lower()}-{suffix}@example.org",
                    "first": first,
                    "renewal": (today + timedelta(days=days)).isoformat(),
                }
                for first, days in contacts
            ],
        },
    )

    nav(page, "Segments")
    shoot(page, "segments")
    page.get_by_role("button", name="New segment").click()
    expect(page.get_by_role("heading", name="New segment", level=1)).to_be_visible()
    name = f"Renewals this month {suffix}"
    page.get_by_label("Name", exact=True).fill(name)

    # Renewal is within the next 30 days: the field, then the operator, then the value.
    choose_field(page, 1, label, f"fields.renewal_{suffix}")
    operator = page.get_by_label("Operator of condition 1 in group 1")
    expect(operator).to_have_value("on")  # a date field starts at "is on"
    operator.select_option(label="is within the next … days")
    value = page.get_by_label("Value of condition 1 in group 1")
    expect(value).to_have_attribute("type", "number")
    value.fill("30")
    expect(page.locator("#live-count")).to_contain_text("2 contacts match now")  # Ann, Bea

    # … and Company is this test's company.
    page.get_by_role("button", name="+ And condition").click()
    choose_field(page, 2, "Company", "company")
    expect(page.get_by_label("Operator of condition 2 in group 1")).to_have_value("is")
    page.get_by_label("Value of condition 2 in group 1").fill(company)
    live = page.locator("#live-count")
    expect(live).to_have_text(re.compile(r"^\s*2 contacts match now\s*$"))
    shoot(page, "builder")

    page.get_by_role("button", name="Save segment").click()
    expect(
        page.get_by_role("heading", name=f"Renewals this month {suffix}", level=1)
    ).to_be_visible()
    expect(page.get_by_text(f"{label} is within the next 30 days and Company is")).to_be_visible()
    expect(page.locator("[data-member-count]")).to_have_text("2")
    members = page.get_by_role("table")
    expect(members.get_by_role("link", name="Ann Renner")).to_be_visible()
    expect(members.get_by_role("link", name="Bea Renner")).to_be_visible()
    expect(members.get_by_role("link", name="Cid Renner")).to_have_count(0)
    expect(members.get_by_role("link", name="Dan Renner")).to_have_count(0)
    shoot(page, "segment")

    # Schedule meetings for it with the existing action.
    page.get_by_role("button", name="Schedule meetings for this segment").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("A meeting for each of the 2 members")).to_be_visible()
    dialog.get_by_label("Meeting action").select_option(label=action)
    shoot(page, "schedule-dialog")
    dialog.get_by_role("button", name="Schedule meetings", exact=True).click()
    expect(dialog.get_by_role("status")).to_contain_text(f"Scheduled 2 meetings for “{name}”.")
    expect(dialog.get_by_role("button", name="Follow the progress")).to_have_attribute(
        "href", re.compile(r"^/runs/\d+/$")
    )
    shoot(page, "scheduled")
    dialog.get_by_role("button", name="Done").click()

    # Each member's page lists the meeting the segment made; the others have none.
    members.get_by_role("link", name="Ann Renner").click()
    expect(page.get_by_role("heading", name="Ann Renner", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Renewal call with Ann")).to_be_visible()
    assert refused == []
