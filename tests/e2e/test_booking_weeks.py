"""A visitor on a phone in Asia/Kolkata walks a New York host's booking page (the server
runs in UTC) to a later week with the keyboard, books the first time shown there, and the
meeting starts at the very instant the page showed, in Kolkata's time.

Nothing here assumes a date: the weeks are read from the page, whose today is the server's.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server
from tests.e2e.test_booking_page import (  # noqa: F401
    host_page,
    no_violations,
    phone_in_kolkata,
)

pytestmark = pytest.mark.browser

KOLKATA = ZoneInfo("Asia/Kolkata")
TITLE = "Planning session"


def make_page(page: Page) -> str:
    """A 30-minute page, weekdays 09:00-17:00 New York time, bookable 60 days ahead."""
    page.goto("/booking-pages/new/")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Location").select_option(label="Jitsi Meet")
    page.get_by_label("Time zone of the hours below").fill("America/New_York")
    page.get_by_label("Minimum notice (minutes)").fill("0")
    page.get_by_label("Bookable up to (days ahead)").fill("60")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Saved the booking page “{TITLE}”.")).to_be_visible()
    return page.get_by_label("The booking page's link").input_value()


def shown_week(visitor: Page) -> date:
    return date.fromisoformat(visitor.locator("[data-week]").get_attribute("data-week") or "")


def test_a_visitor_in_kolkata_books_a_later_week_on_a_phone(
    browser: Any,
    server: Server,
    host_page: Page,  # noqa: F811
    shoot: Screenshots,
) -> None:
    link = make_page(host_page)
    context = phone_in_kolkata(browser, server)
    visitor = context.new_page()
    try:
        visitor.goto(link)
        expect(visitor.locator("#tz")).to_have_value("Asia/Kolkata")
        first = shown_week(visitor)
        expect(visitor.locator("[data-week-previous]")).to_have_count(0)
        # Two weeks on, with the keyboard only: the links are plain links.
        for weeks_on in (1, 2):
            visitor.locator("[data-week-next]").focus()
            visitor.keyboard.press("Enter")
            expect(visitor.locator("[data-week]")).to_have_attribute(
                "data-week", (first + timedelta(days=7 * weeks_on)).isoformat()
            )
        expect(visitor.locator("[data-week-previous]")).to_be_visible()
        # It fits the phone: nothing scrolls sideways.
        assert visitor.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        shoot(visitor, "a-later-week-on-a-phone")

        week = shown_week(visitor)
        button = visitor.locator("[data-slot]").first
        instant = datetime.fromisoformat(button.get_attribute("data-slot") or "")
        local = instant.astimezone(KOLKATA)
        # Shown in Kolkata's time, within the week of Kolkata's days the page names.
        expect(button).to_have_text(local.strftime("%H:%M"))
        assert week <= local.date() < week + timedelta(days=7)
        day = visitor.get_by_role("region", name=re.compile(local.strftime("%A %-d %B")))
        expect(day.locator("[data-slot]").first).to_have_attribute("data-slot", instant.isoformat())

        button.click()
        expect(visitor.locator("[data-chosen-time]")).to_have_text(local.strftime("%H:%M"))
        visitor.get_by_label("Your name").fill("Anil Kumar")
        visitor.get_by_label("Your email").fill("anil@client.example")
        visitor.get_by_role("button", name="Confirm the booking").click()
        expect(visitor.get_by_role("heading", name="You are booked")).to_be_visible()
        expect(visitor.locator("[data-when]")).to_contain_text(local.strftime("%A %-d %B %Y"))
        expect(visitor.locator("[data-when]")).to_contain_text(local.strftime("%H:%M"))
        no_violations(visitor)
    finally:
        context.close()

    pages = host_page.request.get("/api/v1/booking-pages").json()["items"]
    page_id = next(p["id"] for p in pages if p["title"] == TITLE)
    (booking,) = host_page.request.get(f"/api/v1/booking-pages/{page_id}/bookings").json()["items"]
    meeting = host_page.request.get(f"/api/v1/meetings/{booking['meeting_id']}").json()
    assert datetime.fromisoformat(meeting["start"]).astimezone(UTC) == instant
