"""Issue: segments in the contacts list and custom fields without the Django admin. With
the browser in Europe/Paris: filter the contacts by a dynamic segment, select all that
match, add them to a new static segment and see its member count; then make a choice
custom field and find it in the contact form.

The contacts and the dynamic segment are made beforehand with `convener shell` against
the served installation; what the test checks is what a person sees and clicks.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, run_in_installation
from tests.e2e.ui import nav

pytestmark = pytest.mark.browser

PEOPLE = 60  # more than a page of 50, so that "all matching" is more than the page

SEED = """
from convener.crm.models import Contact
from convener.segments.models import Segment

Contact.objects.bulk_create(
    Contact(
        email=f"p{i}-{DATA['suffix']}@example.org",
        first_name=f"P{i:02d}",
        last_name=DATA["company"],
        company=DATA["company"],
        timezone="Europe/Paris",
    )
    for i in range(DATA["people"])
)
Segment.objects.create(
    name=DATA["segment"],
    timezone="Europe/Paris",
    rules={"groups": [{"conditions": [
        {"field": "company", "operator": "is", "value": DATA["company"]}
    ]}]},
)
"""


def seed(server: Server, database_url: str | None, data: dict[str, Any]) -> None:
    run_in_installation(server, database_url, SEED, data)


def test_filter_by_a_segment_and_add_all_matching_to_a_new_static_segment(
    paris_page: Page, server: Server, postgres_database: str | None, shoot: Screenshots
) -> None:
    page = paris_page
    suffix = secrets.token_hex(3)
    company = f"Lyon Partners {suffix}"
    dynamic = f"Lyon partners {suffix}"
    seed(
        server,
        postgres_database,
        {"suffix": suffix, "company": company, "segment": dynamic, "people": PEOPLE},
    )

    nav(page, "Contacts")
    page.get_by_label("Segment", exact=True).select_option(label=f"{dynamic} (dynamic)")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text(f"{PEOPLE} contacts match the filters")).to_be_visible()
    shoot(page, "filtered-by-segment")

    page.get_by_label("Select every contact on this page").check()
    page.get_by_role("button", name=f"Select all {PEOPLE} matching contacts").click()
    expect(page.get_by_text(f"All {PEOPLE} matching contacts are selected")).to_be_visible()
    # A dynamic segment's members cannot be removed by hand: no such button.
    expect(page.get_by_role("button", name="Remove from segment")).to_have_count(0)

    page.get_by_role("button", name="Add to segment…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"Add {PEOPLE} selected contacts to a static segment")
    static = f"Lyon follow-up {suffix}"
    # "Name of a new static segment", or "Or a new static segment named" when the person
    # already has static segments to choose from.
    dialog.get_by_label(re.compile("new static segment")).fill(static)
    shoot(page, "add-to-segment")
    dialog.get_by_role("button", name="Add to segment").click()
    outcome = dialog.get_by_role("status")
    expect(outcome).to_contain_text(f"Added {PEOPLE} contacts to “{static}”.")
    expect(outcome).to_contain_text("None of them was a member before.")
    shoot(page, "added")
    dialog.get_by_role("button", name="Open the segment").click()

    expect(page.get_by_role("heading", name=static, level=1)).to_be_visible()
    expect(page.locator("[data-member-count]")).to_have_text(str(PEOPLE))
    shoot(page, "static-segment")


def test_a_choice_custom_field_made_on_its_page_is_in_the_contact_form(
    paris_page: Page, shoot: Screenshots
) -> None:
    page = paris_page
    suffix = secrets.token_hex(3)
    label = f"Plan {suffix}"
    page.get_by_label("Account menu", exact=False).click()
    page.get_by_role("link", name="Custom fields").click()
    expect(page.get_by_role("heading", name="Custom fields", level=1)).to_be_visible()
    page.get_by_role("button", name="New custom field").click()
    page.get_by_label("Label").fill(label)
    # Choices belong to a choice field only: the box appears when that kind is chosen.
    expect(page.get_by_label("Choices")).to_be_hidden()
    page.get_by_label("Kind").select_option(label="Choice")
    page.get_by_label("Choices").fill("Free\nPro\nTeam")
    page.get_by_label("Help text").fill("What they pay for")
    shoot(page, "new-custom-field")
    page.get_by_role("button", name="Create the field").click()
    expect(page.get_by_text(f"Saved the custom field “{label}”.")).to_be_visible()
    row = page.locator(f"[data-custom-field='plan_{suffix}']")
    expect(row).to_contain_text("Choice")
    expect(row).to_contain_text("Free, Pro, Team")
    shoot(page, "custom-fields")

    nav(page, "Contacts")
    page.get_by_role("button", name="New contact").click()
    plan = page.get_by_label(label)
    expect(plan.locator("option")).to_have_text(["—", "Free", "Pro", "Team"])
    expect(page.get_by_text("What they pay for")).to_be_visible()
    plan.select_option("Pro")
    page.get_by_label("Email").fill(f"plan-{suffix}@example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Pro", exact=True)).to_be_visible()
    shoot(page, "contact-with-plan")
