"""Issue 15, the booking pages: a host in New York makes a booking page in the web UI; a
visitor whose browser is in Asia/Kolkata (the server runs in UTC) books the first time of
the Monday after New York's next daylight-saving change. The meeting's UTC start, the
confirmation page and the calendar file agree; the visitor then moves the booking and
cancels it through the link of their confirmation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, new_context, signed_in
from tests.e2e.test_content_security_policy import RECORD_VIOLATIONS

pytestmark = pytest.mark.browser

NEW_YORK, KOLKATA = ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")


def next_dst_monday() -> date:
    """The Monday after New York's next change of clocks (at least two days away)."""
    day = datetime.now(UTC).date() + timedelta(days=2)
    while True:
        before = datetime.combine(day, time(12), NEW_YORK).utcoffset()
        after = datetime.combine(day + timedelta(days=1), time(12), NEW_YORK).utcoffset()
        if before != after:
            monday = day + timedelta(days=1)
            while monday.weekday() != 0:
                monday += timedelta(days=1)
            return monday
        day += timedelta(days=1)


@pytest.fixture
def host_page(browser: Any, server: Server, shoot: Screenshots) -> Iterator[Page]:
    context = new_context(browser, server, zone="America/New_York")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    context.add_init_script(RECORD_VIOLATIONS)
    with signed_in(context, server, shoot) as page:
        yield page


def make_booking_page(page: Page, shoot: Screenshots) -> str:
    page.goto("/booking-pages/")
    expect(page.get_by_role("heading", name="Booking pages", level=1)).to_be_visible()
    page.get_by_role("button", name="New booking page").click()
    page.get_by_label("Title").fill("Intro call")
    page.get_by_label("Durations (minutes)").fill("30, 60")
    page.get_by_label("Location").select_option(label="Jitsi Meet")
    page.get_by_label("Time zone of the hours below").fill("America/New_York")
    page.get_by_label("Minimum notice (minutes)").fill("0")
    page.get_by_label("Bookable up to (days ahead)").fill("365")
    page.get_by_label("Questions on the booking form").fill("What would you like to discuss? *")
    # A mistake first: said next to its field, nothing else lost.
    page.get_by_label("Tuesday").fill("9 to 5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-field=day_1]")).to_contain_text("is not a range of hours")
    expect(page.get_by_label("Title")).to_have_value("Intro call")
    page.get_by_label("Tuesday").fill("09:00-17:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved the booking page “Intro call”.")).to_be_visible()
    shoot(page, "booking-page-settings")
    link = page.get_by_label("The booking page's link").input_value()
    assert re.search(r"/b/[a-z0-9]+/$", link)
    copy = page.locator("button[data-copy]")
    copy.click()
    expect(copy).to_have_text("Copied")
    no_violations(page)
    return link


def phone_in_kolkata(browser: Any, server: Server) -> Any:
    """A phone-sized browser context whose own zone is Asia/Kolkata, recording what the
    Content-Security-Policy refuses."""
    context = new_context(browser, server, width=390, height=844, zone="Asia/Kolkata")
    context.add_init_script(RECORD_VIOLATIONS)
    return context


def no_violations(page: Page) -> None:
    """The page's scripts ran under the strict Content-Security-Policy, refused nothing."""
    page.wait_for_load_state("load")
    assert page.evaluate("window.__cspViolations || []") == []


def test_a_visitor_in_kolkata_books_moves_and_cancels(
    browser: Any, server: Server, host_page: Page, shoot: Screenshots
) -> None:
    link = make_booking_page(host_page, shoot)
    monday = next_dst_monday()
    first = datetime.combine(monday, time(9), NEW_YORK).astimezone(UTC)
    local = first.astimezone(KOLKATA)

    visitor_context = phone_in_kolkata(browser, server)
    visitor = visitor_context.new_page()
    try:
        visitor.goto(link)
        # The page asks the browser for its zone and shows the times in it.
        expect(visitor.locator("#tz")).to_have_value("Asia/Kolkata")
        shoot(visitor, "public-page-phone")
        no_violations(visitor)
        # The visitor follows "Next week" to that week; the test goes there directly.
        visitor.goto(f"{link}?tz=Asia/Kolkata&d=30&week={local.date().isoformat()}")
        day = visitor.get_by_role("region", name=re.compile(local.strftime("%A %-d %B")))
        day.get_by_role("button", name=local.strftime("%H:%M")).first.click()
        expect(visitor.locator("[data-chosen-time]")).to_have_text(local.strftime("%H:%M"))
        visitor.get_by_label("Your name").fill("Priya Raman")
        visitor.get_by_label("Your email").fill("priya@client.example")
        visitor.get_by_label("What would you like to discuss?").fill("Pricing for our team")
        visitor.get_by_role("button", name="Confirm the booking").click()

        expect(visitor.get_by_role("heading", name="You are booked")).to_be_visible()
        end = local + timedelta(minutes=30)
        expect(visitor.locator("[data-when]")).to_contain_text(f"{local:%H:%M}\u2013{end:%H:%M}")
        expect(visitor.locator("[data-when]")).to_contain_text("Asia/Kolkata")
        # The link shows on its own once the worker has made it.
        expect(visitor.locator("[data-join]")).to_have_attribute(
            "href", re.compile(r"^https://meet\.jit\.si/"), timeout=30_000
        )
        shoot(visitor, "booked")

        ics_url = visitor.get_by_role("button", name="Add to my calendar (.ics)").get_attribute(
            "href"
        )
        assert ics_url
        event = Calendar.from_ical(visitor.request.get(ics_url).body()).walk("VEVENT")[0]
        assert event.decoded("DTSTART").astimezone(UTC) == first

        pages = host_page.request.get("/api/v1/booking-pages").json()["items"]
        page_id = next(p["id"] for p in pages if p["title"] == "Intro call")
        booking = host_page.request.get(f"/api/v1/booking-pages/{page_id}/bookings").json()[
            "items"
        ][0]
        meeting = host_page.request.get(f"/api/v1/meetings/{booking['meeting_id']}").json()
        assert datetime.fromisoformat(meeting["start"]).astimezone(UTC) == first

        # Moving it: a later time the same day, picked on the signed page.
        visitor.get_by_role("button", name="Reschedule or cancel").click()
        manage = visitor.url.split("?")[0]
        visitor.goto(f"{manage}?tz=Asia/Kolkata&week={local.date().isoformat()}")
        later = local + timedelta(hours=2)
        day = visitor.get_by_role("region", name=re.compile(later.strftime("%A %-d %B")))
        day.get_by_role("button", name=later.strftime("%H:%M")).first.click()
        expect(visitor.get_by_role("heading", name="You are booked")).to_be_visible()
        expect(visitor.locator("[data-when]")).to_contain_text(later.strftime("%H:%M"))
        moved = host_page.request.get(f"/api/v1/meetings/{booking['meeting_id']}").json()
        assert datetime.fromisoformat(moved["start"]).astimezone(UTC) == first + timedelta(hours=2)

        # Cancelling it.
        visitor.get_by_role("button", name="Reschedule or cancel").click()
        visitor.get_by_role("button", name="Cancel this booking").click()
        expect(visitor.get_by_text("Your booking is cancelled")).to_be_visible()
        shoot(visitor, "cancelled")
        no_violations(visitor)
    finally:
        visitor_context.close()

    host_page.goto(f"/booking-pages/{page_id}/bookings/")
    expect(host_page.get_by_text("Cancelled by the visitor")).to_be_visible()
