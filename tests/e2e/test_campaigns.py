"""Issue: campaigns. In the browser (a zone unlike the user's): make a campaign fed by a
segment, add a "Schedule Online Meeting" step and a condition with a yes branch in place
on the builder, publish it, and watch a contact go through: the counts on each step, the
list behind a number, and the campaign on the contact's page.

The segment, its contact and the meeting action are made beforehand with `convener
shell` against the served installation; what the test checks is what a person sees.
"""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, run_in_installation
from tests.e2e.ui import eventually, nav

pytestmark = pytest.mark.browser

SEED = """
from convener.crm.models import Contact
from convener.meetings.models import MeetingAction
from convener.segments.models import Segment, SegmentMember
from convener.team.models import User

owner = User.objects.get(username="alice")
contact = Contact.objects.create(
    email=DATA["email"], first_name="Nora", last_name=DATA["last"], owner=owner,
    timezone="Europe/Paris",
)
segment = Segment.objects.create(name=DATA["segment"], kind="static", owner=owner)
SegmentMember.objects.create(segment=segment, contact=contact)
MeetingAction.objects.create(
    name=DATA["action"], provider="jitsi", title_template="Intro call with {{ contact.first_name }}"
)
"""


def wait_for_swap(page: Page) -> None:
    expect(page.locator(".htmx-settling, .htmx-request")).to_have_count(0)


def test_a_contact_goes_through_a_campaign_built_in_the_browser(
    page: Page, server: Server, postgres_database: str | None, shoot: Screenshots
) -> None:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    suffix = secrets.token_hex(3)
    name = f"Welcome journey {suffix}"
    segment = f"New leads {suffix}"
    action = f"Intro call {suffix}"
    last = f"Quist{suffix}"
    run_in_installation(
        server,
        postgres_database,
        SEED,
        {"email": f"nora-{suffix}@example.org", "segment": segment, "action": action, "last": last},
    )

    nav(page, "Campaigns")
    page.get_by_role("button", name="New campaign").click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Make the campaign").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_text("Not published")).to_be_visible()

    # Contacts come from the segment.
    page.get_by_label("Take contacts from").select_option(label="Segment members")
    page.get_by_label("Segment", exact=True).select_option(label=segment)
    page.get_by_role("button", name="Add the source").click()
    expect(page.locator("[data-source]")).to_contain_text(f"Segment: {segment}")

    # First step: schedule the meeting, added in place.
    page.locator(".campaign-flow [data-add=action]").click()
    editor = page.locator("[data-event-form]")
    expect(editor).to_be_visible()
    wait_for_swap(page)
    editor.get_by_label("What happens").select_option(label="Schedule Online Meeting")
    expect(editor.get_by_label("Webhook address")).to_be_hidden()
    editor.get_by_role("button", name="Add the step").click()
    # Without its action, the step is refused next to the field.
    expect(editor.locator("[data-field=action]")).to_contain_text("Meeting action is needed")
    wait_for_swap(page)
    editor.get_by_label("Meeting action").select_option(label=action)
    editor.get_by_role("button", name="Add the step").click()
    meeting_step = page.locator("[data-event='Schedule Online Meeting']")
    expect(meeting_step).to_contain_text("immediately")

    # Then: a condition, and on its yes branch a field update.
    meeting_step.locator("[data-add=condition]").click()
    editor = page.locator("[data-event-form]")
    wait_for_swap(page)
    editor.get_by_label("What happens").select_option(label="Has an upcoming meeting")
    editor.get_by_role("button", name="Add the step").click()
    condition = page.locator("[data-event='Has an upcoming meeting']")
    expect(condition.locator(".branch-label")).to_have_text(["Yes", "No"])
    condition.locator(".branch-yes [data-add=action]").click()
    editor = page.locator("[data-event-form]")
    wait_for_swap(page)
    editor.get_by_label("What happens").select_option(label="Update a contact field")
    editor.get_by_label("Contact field").fill("stage")
    editor.get_by_label("Value").fill("booked")
    editor.get_by_role("button", name="Add the step").click()
    expect(page.locator("[data-event='Update a contact field']")).to_be_visible()
    shoot(page, "builder")

    # Publish: the segment's member enters and goes through.
    page.get_by_role("button", name="Settings").click()
    page.get_by_label("Published: contacts enter and steps run").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Published", exact=True)).to_be_visible()

    def went_through() -> None:
        expect(meeting_step.locator("[data-count=done]").first).to_have_text("1 done", timeout=500)
        field_step = page.locator("[data-event='Update a contact field'] [data-count=done]")
        expect(field_step).to_have_text("1 done", timeout=500)

    eventually(went_through, timeout=30, refresh=page.reload)
    shoot(page, "went-through")

    meeting_step.locator("[data-count=done]").first.click()
    row = page.locator("tr[data-step-contact]")
    expect(row).to_contain_text(f"Nora {last}")
    expect(row).to_contain_text("Meeting scheduled")
    row.get_by_role("link", name=f"Nora {last}").click()
    section = page.locator("#contact-campaigns")
    expect(section.get_by_role("link", name=name)).to_be_visible()
    expect(section).to_contain_text("Meeting scheduled")
    expect(section).to_contain_text("stage set to booked")
    expect(page.get_by_role("link", name="Intro call with Nora")).to_be_visible()
    shoot(page, "contact")
    assert refused == []
