"""Issue: "Playwright drives Debian's Chromium: log in, open a contact, schedule a meeting in
the popup, see the Jitsi link appear on the meeting page and the invitation in the outbox".

Everything is asserted as a person sees it, on a real `convener serve`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots
from tests.e2e.ui import (
    JITSI,
    LINK_TIMEOUT_MS,
    create_contact,
    django_date,
    eventually,
    fact,
    meeting_count,
    nav,
    open_contact,
    open_popup,
)

pytestmark = pytest.mark.browser


def test_schedule_a_meeting_from_a_contact(page: Page, shoot: Screenshots) -> None:
    on = date.today() + timedelta(days=10)
    berlin = datetime.combine(on, clock(10, 0), ZoneInfo("Europe/Berlin"))
    utc = berlin.astimezone(UTC)

    # On a fresh install (when this test runs first) the page says what to do.
    if page.locator("table tbody tr").count() == 0:
        expect(page.get_by_text("No contacts yet")).to_be_visible()
        shoot(page, "contacts-empty")

    create_contact(
        page, shoot, email="bob@example.org", first="Bob", last="Stone", zone="America/New_York"
    )
    open_contact(page, shoot, "Bob Stone")
    expect(fact(page, "Email")).to_have_text("bob@example.org")
    expect(fact(page, "Time zone")).to_contain_text("America/New_York")
    expect(page.get_by_text("No meetings with Bob Stone yet.")).to_be_visible()

    # The popup, prefilled with a title and the contact's zone.
    dialog = open_popup(page)
    expect(dialog.get_by_label("Title", exact=True)).to_have_value("Meeting with Bob Stone")
    expect(dialog.get_by_label("Time zone", exact=True)).to_have_value("America/New_York")
    shoot(page, "popup")
    dialog.get_by_label("Date", exact=True).fill(on.isoformat())
    dialog.get_by_label("Time", exact=True).fill("10:00")
    dialog.get_by_label("Time zone", exact=True).fill("Europe/Berlin")
    dialog.get_by_label("Duration", exact=True).select_option(label="45 minutes")
    dialog.get_by_label("Extra attendees", exact=True).fill("carol@example.net")
    shoot(page, "popup-filled")
    dialog.get_by_role("button", name="Schedule", exact=True).click()

    # The meeting page: the link appears by itself (the status polls through htmx).
    expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
    expect(page.get_by_role("heading", name="Meeting with Bob Stone", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Scheduled")
    shoot(page, "meeting-new")
    join = page.locator("a#join-link")
    expect(join).to_have_attribute("href", JITSI, timeout=LINK_TIMEOUT_MS)
    join_url = join.get_attribute("href")
    assert join_url is not None
    expect(join).to_have_text(join_url)
    expect(page.locator("[data-state]").first).to_have_text("Scheduled", timeout=LINK_TIMEOUT_MS)

    # Both times: the viewer's (alice has the default zone, UTC) and the meeting's own.
    end = timedelta(minutes=45)
    yours = fact(page, re.compile("your time", re.IGNORECASE))
    expect(yours).to_contain_text(django_date(utc))
    expect(yours).to_contain_text(f"{utc + end:%H:%M} UTC")
    theirs = fact(page, re.compile("Europe/Berlin"))
    expect(theirs).to_contain_text(django_date(berlin))
    expect(theirs).to_contain_text(f"{berlin + end:%H:%M} {berlin.tzname()}")
    expect(fact(page, "Attendees")).to_contain_text("bob@example.org")
    expect(fact(page, "Attendees")).to_contain_text("carol@example.net")
    expect(page.locator("[data-state]").first).to_have_attribute(
        "data-state", "invited", timeout=LINK_TIMEOUT_MS
    )
    shoot(page, "meeting-linked")

    # The meetings list shows it with its state.
    nav(page, "Meetings")
    row = page.locator("table tbody tr", has_text="Meeting with Bob Stone")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Scheduled")
    expect(row).to_contain_text("Bob Stone")
    shoot(page, "meetings")

    # The outbox: no SMTP server, so the invitation is kept there.
    nav(page, "Outbox")
    expect(page.get_by_role("heading", name="Outbox", level=1)).to_be_visible()
    invitation = page.locator("table tbody tr", has_text="bob@example.org")
    eventually(
        lambda: expect(invitation).to_have_count(1, timeout=1_000),
        timeout=LINK_TIMEOUT_MS / 1000,
        refresh=page.reload,
    )
    expect(invitation.get_by_role("link", name=re.compile(r"^Invitation:"))).to_be_visible()
    expect(page.locator("table tbody tr", has_text="carol@example.net")).to_have_count(1)
    shoot(page, "outbox")

    invitation.get_by_role("link", name=re.compile(r"^Invitation:")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Invitation:"))
    expect(fact(page, "To")).to_contain_text("bob@example.org")
    expect(page.frame_locator("iframe.mail-body").locator("body")).to_contain_text(join_url)
    page.get_by_text("Invitation file (ICS)").click()
    ics = page.locator("pre.ics")
    expect(ics).to_be_visible()
    ics_text = re.sub(r"\r?\n[ \t]", "", ics.inner_text())  # unfold RFC 5545 lines
    assert "METHOD:REQUEST" in ics_text
    assert join_url in ics_text
    shoot(page, "message")

    # The invite.ics download answers with a calendar.
    href = page.get_by_role("button", name=re.compile("invite.ics")).get_attribute("href")
    assert href is not None
    response = page.request.get(href)
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    body = re.sub(r"\r?\n[ \t]", "", response.text())
    assert "METHOD:REQUEST" in body
    assert join_url in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("Time zone", "Mars/Base", re.compile(r"Mars/Base.*(time zone|IANA)", re.IGNORECASE)),
        ("Date", "", re.compile(r"date", re.IGNORECASE)),
    ],
    ids=["unknown-zone", "missing-date"],
)
def test_bad_input_in_the_popup_is_shown_next_to_the_field(
    page: Page, shoot: Screenshots, field: str, value: str, message: re.Pattern[str]
) -> None:
    slug = "zone" if field == "Time zone" else "date"
    first, last = "Dana", f"Bad{slug.title()}"
    before = meeting_count(page)
    create_contact(
        page, shoot, email=f"dana-{slug}@example.org", first=first, last=last, zone="Europe/Paris"
    )
    open_contact(page, shoot, f"{first} {last}")

    dialog = open_popup(page)
    dialog.get_by_label("Date", exact=True).fill((date.today() + timedelta(days=10)).isoformat())
    dialog.get_by_label("Time", exact=True).fill("10:00")
    dialog.get_by_label(field, exact=True).fill(value)
    dialog.get_by_role("button", name="Schedule", exact=True).click()

    # The dialog stays open, the error sits next to the field it names.
    name = "timezone" if slug == "zone" else "date"
    expect(dialog.locator(".errorlist")).to_have_count(1)
    field_error = dialog.locator(f'.errorlist[data-field="{name}"]')
    expect(field_error).to_be_visible()
    expect(field_error).to_have_text(message)
    expect(dialog.locator(f"[name={name}]")).to_have_attribute("aria-invalid", "true")
    # The error follows its input directly, inside the same field block.
    block = dialog.locator(f"[name={name}]").locator("xpath=ancestor::div[1]")
    expect(block.locator(".errorlist")).to_have_text(message)
    # What the person typed is kept.
    expect(dialog.get_by_label("Time", exact=True)).to_have_value("10:00")
    expect(page).to_have_url(re.compile(r"/contacts/\d+/$"))
    shoot(page, "popup-error")

    # Nothing was scheduled.
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_text(f"No meetings with {first} {last} yet.")).to_be_visible()
    assert meeting_count(page) == before
