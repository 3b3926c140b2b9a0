"""Issue: "create an action with smart scheduling (weekdays only, 09:00 to 17:00, gap), preview
it for a few contacts, launch, watch the run page reach done, and check a meeting's time
against the rules in the viewer's zone", with the browser in Europe/Paris; then open a
resulting invitation in the outbox and check its time in the recipient's zone and its
calendar file.

Everything is done and read as a person does it, on a real `convener serve` (its worker
makes the Jitsi links and the invitations).
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.dates import winter_day
from tests.e2e.conftest import Screenshots, Server, new_context, signed_in
from tests.e2e.test_content_security_policy import RECORD_VIOLATIONS, Violations
from tests.e2e.test_layout import assert_fits, assert_in_view
from tests.e2e.ui import create_contact, fact, nav

pytestmark = pytest.mark.browser

PARIS = "Europe/Paris"
RUN_TIMEOUT_MS = 30_000
# The meeting page writes a time as Django's "l j F Y, H:i" and the end as "H:i T".
SHOWN = re.compile(
    r"(?P<day>\w+ \d+ \w+ \d{4}), (?P<start>\d\d:\d\d)\u2013(?P<end>\d\d:\d\d) (?P<abbr>\S+)"
)


def paris_context(browser: Any, server: Server, width: int, height: int) -> Any:
    """A browser whose own zone is Europe/Paris, recording what the Content-Security-Policy
    refuses."""
    context = new_context(browser, server, width, height, zone=PARIS)
    context.add_init_script(RECORD_VIOLATIONS)
    return context


@pytest.fixture
def paris_page(browser: Any, server: Server, shoot: Screenshots) -> Iterator[Page]:
    """A page signed in as alice, 1280 px wide, in Europe/Paris."""
    context = paris_context(browser, server, 1280, 900)
    with signed_in(context, server, shoot) as page:
        yield page


@pytest.fixture
def phone_page(browser: Any, server: Server, shoot: Screenshots) -> Iterator[Page]:
    """The same on a phone, 390 px wide."""
    context = paris_context(browser, server, 390, 844)
    with signed_in(context, server, shoot) as page:
        yield page


def test_a_smart_action_launched_from_paris_keeps_to_its_rules(
    paris_page: Page, shoot: Screenshots
) -> None:
    page = paris_page
    violations = Violations(page)
    tag = a_tag()
    day = winter_day()  # a Tuesday
    contacts = {
        f"Pia {tag}": "Europe/Paris",
        f"Nate {tag}": "America/New_York",
        f"Tomo {tag}": "Asia/Tokyo",
    }
    for name, zone in contacts.items():
        first, last = name.split()
        create_contact(
            page,
            shoot,
            email=f"{first.lower()}.{tag}@example.org",
            first=first,
            last=last,
            zone=zone,
        )

    # The action: smart scheduling, weekdays only, 09:00 to 17:00, a gap.
    nav(page, "Actions")
    page.get_by_role("button", name="New action").click()
    expect(page.get_by_role("heading", name="New action", level=1)).to_be_visible()
    page.get_by_label("Name", exact=True).fill(f"Demo day {tag}")
    title = page.get_by_label("Title", exact=True)
    title.fill("Demo with ")
    page.locator(".placeholder-picker").first.get_by_text("Insert placeholder").click()
    page.locator(".placeholder-picker").first.get_by_role(
        "button", name=re.compile(r"contact\.first_name")
    ).click()
    expect(title).to_have_value("Demo with {{ contact.first_name }}")
    page.get_by_label("Duration (minutes)").fill("45")
    page.get_by_text("Smart scheduling", exact=True).click()
    # A new action's zone is the browser's own.
    expect(page.get_by_label("Action time zone")).to_have_value(PARIS)
    page.get_by_label("First day").fill(day.isoformat())
    page.get_by_label("First meeting at").fill("09:00")
    page.get_by_label("Gap between meetings (minutes)").fill("15")
    page.get_by_label("Working hours from").fill("09:00")
    page.get_by_label("until", exact=True).fill("17:00")
    page.get_by_label("Sat").check()
    page.get_by_role("button", name="Weekdays only").click()
    for weekday in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        expect(page.get_by_label(weekday, exact=True)).to_be_checked()
    for weekday in ("Sat", "Sun"):
        expect(page.get_by_label(weekday, exact=True)).not_to_be_checked()
    shoot(page, "action-form")
    violations.assert_none("the action form")
    page.get_by_role("button", name="Save action").click()

    expect(page.get_by_role("heading", name=f"Demo day {tag}", level=1)).to_be_visible()
    expect(fact(page, "Timing")).to_contain_text("09:00 to 17:00 on weekdays in Europe/Paris")
    expect(fact(page, "Timing")).to_contain_text("15 minutes apart")
    shoot(page, "action")

    # Choose the contacts and preview.
    page.get_by_role("button", name="Launch…").click()
    page.get_by_role("searchbox").fill(tag)
    results = page.locator("#search-results [data-pick-contact]")
    expect(results).to_have_count(3)  # once the search has answered
    for name in contacts:
        expect(page.locator("#search-results")).to_contain_text(name)
    for box in results.all():
        box.check()
    shoot(page, "launch-choose")
    violations.assert_none("the action page and the launch page")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name=f"Preview: Demo day {tag}")).to_be_visible()
    expect(page.locator("[data-figure=planned]")).to_have_text("3")
    expect(page.locator("[data-figure=skipped]")).to_have_text("0")
    for name in contacts:
        expect(page.locator(".day-rows")).to_contain_text(name)
    expect(page.locator("svg.strip rect.slot")).to_have_count(3)
    shoot(page, "preview")
    violations.assert_none("the preview")

    # Launch, and watch the run reach done.
    page.get_by_role("button", name="Launch 3 meetings").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Launched: 3 meetings planned")
    shoot(page, "run-started")
    expect(page.locator("#run-status [data-run-status]")).to_have_attribute(
        "data-run-status", "done", timeout=RUN_TIMEOUT_MS
    )
    expect(page.locator("[data-stage=linked]")).to_have_text("3")
    rows = page.locator("table.outcomes tbody tr")
    expect(rows).to_have_count(3)
    for row in rows.all():
        expect(row).to_contain_text("Scheduled")
    shoot(page, "run-done")
    violations.assert_none("the run page")
    run_url = page.url

    # Each meeting, read in the viewer's zone (the browser's, which the action took):
    # on a weekday, inside 09:00 to 17:00, 45 minutes long, a 15-minute gap after each.
    starts: list[tuple[str, str]] = []
    start_of: dict[str, datetime] = {}  # each contact's first name: their meeting's start
    for index in range(3):
        page.goto(run_url)
        page.locator("table.outcomes tbody tr").nth(index).get_by_role("link").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(re.compile(r"^Demo with (Pia|Nate|Tomo)$"))
        shown = fact(page, re.compile(re.escape(PARIS))).locator(".when-time").inner_text()
        when = SHOWN.search(shown)
        assert when, shown
        on = datetime.strptime(when["day"], "%A %d %B %Y").date()
        start, end = time.fromisoformat(when["start"]), time.fromisoformat(when["end"])
        assert on.weekday() < 5, shown
        assert time(9, 0) <= start and end <= time(17, 0), shown
        assert (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute) == 45
        assert when["abbr"] == "CET"
        starts.append((when["day"], when["start"]))
        local_start = datetime.combine(on, start, tzinfo=ZoneInfo(PARIS))
        start_of[heading.inner_text().removeprefix("Demo with ")] = local_start
        shoot(page, f"meeting-{index}")
    assert sorted(starts) == [
        (f"{day:%A} {day.day} {day:%B} {day.year}", hhmm) for hhmm in ("09:00", "10:00", "11:00")
    ]

    # The invitation Nate receives, opened in the outbox: the time in his own zone, the
    # planner's zone beside it, and a calendar file for the same instant.
    nate = start_of["Nate"]
    nav(page, "Outbox")
    page.get_by_role("link", name="Demo with Nate").first.click()
    expect(page.get_by_role("heading", name="Demo with Nate", level=1)).to_be_visible()
    expect(page.get_by_label("Envelope")).to_contain_text(f"nate.{tag}@example.org")
    page.get_by_text("Plain text", exact=True).click()
    in_new_york = nate.astimezone(ZoneInfo("America/New_York"))
    text = page.locator("details pre").first
    expect(text).to_contain_text(
        f"When: {in_new_york:%A} {in_new_york.day} {in_new_york:%B %Y}, {in_new_york:%H:%M}"
    )
    expect(text).to_contain_text("(EST)")
    expect(text).to_contain_text(f"planned in {PARIS}")
    page.get_by_text("Invitation file (ICS)", exact=True).click()
    ics = Calendar.from_ical(page.locator("pre.ics").inner_text())
    event = next(iter(ics.walk("VEVENT")))
    assert event.decoded("DTSTART") == nate, (event.decoded("DTSTART"), nate)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    shoot(page, "invitation")
    violations.assert_none("the outbox")

    # The run is listed with who launched it.
    nav(page, "Actions")
    page.get_by_role("button", name="Runs").click()
    row = page.locator("table tbody tr", has_text=f"Demo day {tag}")
    expect(row).to_contain_text("alice")
    expect(row).to_contain_text("3 of 3 linked")
    shoot(page, "runs")
    violations.assert_none("the runs list")


def a_tag() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))


def test_the_action_pages_fit_a_phone(phone_page: Page, shoot: Screenshots) -> None:
    page = phone_page
    tag = a_tag()
    create_contact(
        page, shoot, email=f"phone.{tag}@example.org", first="Phoebe", last=tag, zone=PARIS
    )
    page.goto("/actions/")
    assert_fits(page)
    assert_in_view(page, page.get_by_role("button", name="New action"))
    page.get_by_role("button", name="New action").click()
    page.get_by_label("Name", exact=True).fill(f"Phone check {tag}")
    page.get_by_text("Smart scheduling", exact=True).click()
    page.locator(".placeholder-picker").first.get_by_text("Insert placeholder").click()
    shoot(page, "phone-form")
    assert_fits(page)
    page.locator(".placeholder-picker").first.get_by_text("Insert placeholder").click()
    save = page.get_by_role("button", name="Save action")
    save.scroll_into_view_if_needed()
    assert_in_view(page, save)
    save.click()
    expect(page.get_by_role("heading", name=f"Phone check {tag}", level=1)).to_be_visible()
    assert_fits(page)
    page.get_by_role("button", name="Launch…").click()
    page.get_by_role("searchbox").fill(tag)
    found = page.locator("#search-results [data-pick-contact]")
    expect(found).to_have_count(1)  # once the search has answered
    expect(page.locator("#search-results")).to_contain_text(f"Phoebe {tag}")
    found.check()
    assert_fits(page)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("[data-figure=planned]")).to_have_text("1")
    expect(page.locator(".day-rows")).to_contain_text(f"Phoebe {tag}")
    shoot(page, "phone-preview")
    assert_fits(page)
    page.get_by_role("button", name="Launch 1 meeting").click()
    expect(page.locator("#run-status [data-run-status]")).to_have_attribute(
        "data-run-status", "done", timeout=RUN_TIMEOUT_MS
    )
    shoot(page, "phone-run")
    assert_fits(page)
    page.goto("/runs/")
    assert_fits(page)
