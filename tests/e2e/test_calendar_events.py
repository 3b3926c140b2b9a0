"""The team calendar in the browser: a member in New York, in a browser set to Kolkata,
adds an event from the week view; its Jitsi link appears on the event page without a
reload, and the week's time grid shows it at the member's hour (not the browser's, nor
the server's UTC), stored as the right UTC instant; a phone gets the week as a list."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.dates import winter_day
from tests.e2e.conftest import Screenshots, Server, new_context, run_in_installation, signed_in

pytestmark = pytest.mark.browser

SETUP = """
from convener.crm.models import Contact
from convener.team.models import User

User.objects.filter(is_superuser=True).update(timezone="America/New_York")
Contact.objects.get_or_create(email="gus@client.example",
                              defaults={"first_name": "Gus", "last_name": "Meyer"})
"""

# The installation is shared by the session's browser tests: the administrator's zone goes
# back to the default afterwards, as other tests read times in it.
RESTORE = """
from django.conf import settings
from convener.team.models import User

User.objects.filter(is_superuser=True).update(timezone=str(settings.DEFAULT_TIMEZONE))
"""

CHECK = """
from convener.calendar.models import Event
from convener.meetings.models import Meeting

event = Event.objects.get(title=DATA["title"])
meeting = Meeting.objects.get(trigger="calendar_event", trigger_source=str(event.pk))
# 09:00 in New York in winter (EST, UTC-5) is 14:00 UTC, whatever the browser's zone.
assert event.start.isoformat() == DATA["utc"], event.start
assert meeting.start == event.start and meeting.timezone == "America/New_York"
assert meeting.join_url, meeting.state_reason
"""


@pytest.fixture
def new_yorker(
    browser: Any, server: Server, postgres_database: str | None, shoot: Screenshots
) -> Iterator[Page]:
    run_in_installation(server, postgres_database, SETUP)
    try:
        context = new_context(browser, server, zone="Asia/Kolkata")
        with signed_in(context, server, shoot) as page:
            yield page
    finally:
        run_in_installation(server, postgres_database, RESTORE)


def test_an_event_added_in_the_week_view_gets_its_link_without_a_reload(
    server: Server, postgres_database: str | None, new_yorker: Page, shoot: Screenshots
) -> None:
    page = new_yorker
    day = winter_day()
    page.get_by_role("banner").get_by_role("link", name="Calendar", exact=True).click()
    expect(page.get_by_role("heading", name="Calendar", level=1)).to_be_visible()
    page.goto(f"/calendar/?date={day.isoformat()}")
    expect(page.get_by_role("heading", name="Calendar")).to_be_visible()
    expect(page.get_by_text("Times in your time zone, America/New_York.")).to_be_visible()
    shoot(page, "week")

    page.locator(f"[data-day='{day.isoformat()}'] .cal-add").click()
    dialog = page.locator("#event-dialog")
    expect(dialog.get_by_label("Title", exact=True)).to_be_visible()
    dialog.get_by_label("Title", exact=True).fill("Design review")
    dialog.get_by_label("Location", exact=True).select_option(label="Jitsi")
    dialog.get_by_label("Contacts").fill("gus@client.example")
    expect(dialog.get_by_label("Start", exact=True)).to_have_value(f"{day.isoformat()}T09:00")
    dialog.get_by_label("Time zone").fill("America/New_York")
    # An end before the start keeps the dialog open, the error next to the field and
    # everything typed still there.
    dialog.get_by_label("End", exact=True).fill(f"{day.isoformat()}T08:00")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("[data-field=end]")).to_contain_text("the end must be after the start")
    expect(dialog.get_by_label("Title", exact=True)).to_have_value("Design review")
    dialog.get_by_label("End", exact=True).fill(f"{day.isoformat()}T09:30")
    shoot(page, "dialog")
    dialog.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/calendar/events/\d+/$"))
    expect(page.get_by_role("heading", name="Design review")).to_be_visible()
    # The link panel asks again by itself until the link is there.
    link = page.locator("[data-role=event-link]")
    expect(link).to_be_visible(timeout=30_000)
    expect(link).to_have_attribute("href", re.compile(r"^https://"))
    expect(page.locator("[data-role=event-account]")).to_contain_text("Jitsi Meet needs no account")
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    shoot(page, "event")

    page.locator(".crumb").get_by_role("link", name="Calendar").click()
    chip = page.locator(f"[data-day='{day.isoformat()}'] [data-role=cal-event]")
    expect(chip).to_contain_text("09:00\u201309:30")  # an en dash between the times
    expect(chip).to_contain_text("Design review")
    expect(chip).to_be_visible()  # the grid opens at the working day: no scrolling to it
    # In the grid, at 09:00 for two quarters: the row of the "09:00" on the side (19:30
    # in the browser's Kolkata, 14:00 in the server's UTC).
    hours = page.locator(f"[data-day='{day.isoformat()}'] .cal-tg-hours").bounding_box()
    label = page.locator(".cal-tg-gutter [data-hour='9']").bounding_box()
    box = chip.bounding_box()
    assert hours and label and box
    quarter = hours["height"] / 96
    assert round((box["y"] - hours["y"]) / quarter) == 36
    assert round((label["y"] - hours["y"]) / quarter) in {35, 36}  # drawn on its line
    assert round(box["height"] / quarter) == 2
    grid = page.locator("[data-role=week-grid]")
    opened = page.locator(".cal-tg-gutter [data-hour='8']").bounding_box()
    top = grid.bounding_box()
    assert opened and top and 0 < opened["y"] - top["y"] < 100  # 08:00 under the headers
    shoot(page, "week-grid")
    # A phone: the same week as a list of days.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(grid).to_be_hidden()
    listed = page.locator(f"[data-list-day='{day.isoformat()}'] [data-role=cal-event]")
    expect(listed).to_be_visible()
    expect(listed).to_contain_text("09:00\u201309:30")
    shoot(page, "week-phone")
    run_in_installation(
        server,
        postgres_database,
        CHECK,
        {"title": "Design review", "utc": f"{day.isoformat()}T14:00:00+00:00"},
    )
