"""The meetings list in the browser: a member in Paris (the server runs in UTC) filters the
list, reads the time in their own zone, and watches a meeting go from "Being created" to
"Scheduled", with its link, without reloading the page.

The meeting is written into the server's database through the product's own command
line (`convener shell`), due a few seconds later, so that the page is already open while
the worker has not made its link yet: a meeting scheduled from the popup gets its Jitsi
link too quickly to be seen being created.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, new_context, run_in_installation

pytestmark = pytest.mark.browser

PASSWORD = "paris-e2e-password-1"
# Pierre (Europe/Paris) hosts Paula's meeting, due `delay` seconds from when it is
# written, and a meeting the filters leave out. Its start: 09:00 UTC on the first
# Tuesday of December next year (winter time, so 10:00 CET in Paris).
SETUP = """
from datetime import UTC, date, datetime, timedelta
from django.utils import timezone
from convener.crm.models import Contact
from convener.meetings.models import Attendee, Meeting
from convener.team.models import User

pierre, made = User.objects.get_or_create(
    username="pierre", defaults={"email": "pierre@example.com", "first_name": "Pierre",
                                 "last_name": "Roux", "timezone": "Europe/Paris"})
if made:
    pierre.set_password("%(password)s")
    pierre.save()
first = date(datetime.now(UTC).year + 1, 12, 1)
day = first + timedelta(days=(1 - first.weekday()) %% 7)
start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
paula, _ = Contact.objects.get_or_create(
    email="paula@client.example", defaults={"first_name": "Paula", "last_name": "Martin",
                                            "owner": pierre})
for title, contact, delay in %(meetings)s:
    meeting = Meeting.objects.create(
        title=title, contact=paula if contact else None, host=pierre, provider="jitsi",
        start=start, end=start + timedelta(minutes=30), timezone="Europe/Paris",
        lane="provider:jitsi", send_invitations=bool(contact),
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    if contact:
        Attendee.objects.create(meeting=meeting, email=paula.email, name="Paula Martin",
                                kind=Attendee.Kind.CONTACT)
"""


@pytest.fixture
def convener_shell(server: Server, postgres_database: str | None) -> Iterator[Any]:
    """Run Python in the server's installation, as an operator would with `convener shell`."""

    def run(code: str) -> None:
        run_in_installation(server, postgres_database, code)

    yield run


@pytest.fixture
def paris(browser: Any, server: Server) -> Iterator[Page]:
    """A browser whose own clock is in Paris, unlike the server's UTC."""
    context = new_context(browser, server, zone="Europe/Paris")
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_filtered_list_sees_a_meeting_become_scheduled_without_a_reload(
    paris: Page, server: Server, convener_shell: Any, shoot: Screenshots
) -> None:
    page = paris
    convener_shell(SETUP % {"password": PASSWORD, "meetings": "[('Lyon review', False, 0)]"})
    page.goto("/login/")
    page.get_by_label("Username").fill("pierre")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("banner").get_by_role("link", name="Meetings", exact=True).click()
    expect(page.get_by_role("heading", name="Meetings", level=1)).to_be_visible()

    # Paula's meeting is written now, and due in a few seconds: the worker leaves it
    # "being created" until then.
    convener_shell(SETUP % {"password": PASSWORD, "meetings": "[('Paris kickoff', True, 8)]"})
    page.get_by_role("searchbox", name="Search").fill("paula")
    page.get_by_label("Provider", exact=True).select_option(label="Jitsi Meet")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"q=paula"))
    row = page.locator("#meeting-rows tbody tr", has_text="Paris kickoff")
    expect(row).to_be_visible()
    expect(page.locator("#meeting-rows")).not_to_contain_text("Lyon review")
    expect(row.locator("[data-phase]")).to_have_text("Being created")
    expect(row).to_contain_text("10:00 CET")  # Pierre's zone, not the server's UTC
    expect(row.get_by_role("link", name=re.compile("Join"))).to_have_count(0)
    shoot(page, "being-created")

    # No reload: a mark left on the page survives, and the row changes by itself.
    page.evaluate("window.stillTheSamePage = true")
    expect(row.locator("[data-phase]")).to_have_text("Scheduled", timeout=30_000)
    expect(row.get_by_role("link", name=re.compile("Join"))).to_have_attribute(
        "href", re.compile(r"^https://meet\.jit\.si/")
    )
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page).to_have_url(re.compile(r"q=paula"))
    shoot(page, "scheduled")

    # Once nothing on the page can change on its own, it stops asking.
    expect(page.locator("#meeting-rows")).not_to_have_attribute(
        "hx-trigger", "every 2s", timeout=15_000
    )
