"""The builder's counts move by themselves: a marketing user keeps a campaign's builder
open in Chromium while the worker of a real `convener serve` runs its steps, and sees the
numbers go from pending to done without reloading the page. While the tab is hidden the
page asks nothing; shown again, it asks at once.

The campaign, its contacts (already entered, waiting at the first step) and its steps are
made beforehand with `convener shell`; publishing it, as its owner would on another
screen, lets the worker go."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, Request, expect

from tests.e2e.conftest import Screenshots, Server, run_in_installation
from tests.e2e.ui import nav

pytestmark = pytest.mark.browser

SEED = """
from django.db import transaction
from convener.campaigns import engine
from convener.campaigns.models import Campaign, Event
from convener.crm.models import Contact
from convener.team.models import User

owner = User.objects.get(username="alice")
with transaction.atomic():
    # Not published when the worker first sees it: the contacts wait at the first step.
    campaign = Campaign.objects.create(name=DATA["name"], owner=owner, published=False)
    first = Event.objects.create(
        campaign=campaign, type="update_field", settings={"field": "stage", "value": "warm"}
    )
    Event.objects.create(
        campaign=campaign, parent=first, type="update_field",
        settings={"field": "stage", "value": "hot"},
    )
    people = [
        Contact.objects.create(email=f"p{n}-{DATA['suffix']}@example.org", owner=owner)
        for n in range(3)
    ]
    campaign.published = True  # in memory only, for engine.enter to take them
    engine.enter(campaign, [p.pk for p in people], how="API")
"""

PUBLISH = "from convener.campaigns.models import Campaign\n" + (
    "Campaign.objects.filter(name=DATA).update(published=True)"
)

HIDE = """
Object.defineProperty(document, "hidden", { value: true, configurable: true });
Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
document.dispatchEvent(new Event("visibilitychange"));
"""
SHOW = """
Object.defineProperty(document, "hidden", { value: false, configurable: true });
Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
document.dispatchEvent(new Event("visibilitychange"));
"""


def test_the_counts_move_on_the_open_builder_while_the_worker_runs(
    page: Page, server: Server, postgres_database: str | None, shoot: Screenshots
) -> None:
    suffix = secrets.token_hex(3)
    name = f"Live journey {suffix}"
    run_in_installation(server, postgres_database, SEED, {"name": name, "suffix": suffix})

    nav(page, "Campaigns")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_contain_text("Not published")
    cards = page.locator(".flow-counts")
    first, second = cards.nth(0), cards.nth(1)
    expect(first.locator("[data-count=pending]")).to_have_text("3 pending")
    expect(first.locator("[data-count=done]")).to_have_text("0 done")
    expect(second.locator("[data-count=pending]")).to_have_text("0 pending")
    page.evaluate("window.sameBuilder = true")  # gone if the page were loaded again

    # Hidden, the page asks nothing for longer than its interval; shown, it asks at once.
    asked: list[str] = []

    def note(request: Request) -> None:
        if request.url.endswith("/counts/"):
            asked.append(request.url)

    page.on("request", note)
    page.evaluate(HIDE)
    page.wait_for_timeout(300)  # a question already on its way may still land
    asked.clear()
    page.wait_for_timeout(4_500)
    assert asked == [], "the page polled while its tab was hidden"
    with page.expect_request(lambda r: r.url.endswith("/counts/"), timeout=1_500):
        page.evaluate(SHOW)

    # The owner publishes it elsewhere; the served worker runs both steps.
    run_in_installation(server, postgres_database, PUBLISH, name)
    expect(second.locator("[data-count=done]")).to_have_text("3 done", timeout=30_000)
    expect(first.locator("[data-count=done]")).to_have_text("3 done")
    expect(first.locator("[data-count=pending]")).to_have_text("0 pending")
    expect(second.locator("[data-count=pending]")).to_have_text("0 pending")
    assert page.evaluate("window.sameBuilder === true"), "the builder was loaded again"
    # The badge is drawn by the server only: still the one of the first load.
    expect(page.get_by_role("heading", name=name, level=1)).to_contain_text("Not published")
    shoot(page, "counts-moved")
