"""Bad input in the web forms: a form error on the field, never a server error, and
nothing saved."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from tests.dates import winter_day

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def popup(client: Any, contact: Contact, **changes: str) -> Any:
    data = {
        "title": "Demo",
        "when": "at",
        "date": winter_day().isoformat(),
        "time": "10:00",
        "timezone": "Europe/Berlin",
        "duration_minutes": "30",
        "browser_timezone": "Asia/Tokyo",
        **changes,
    }
    response = client.post(f"/contacts/{contact.pk}/schedule/", data, headers=HTMX)
    assert response.status_code == 200, response.content[:500]
    return response


def error_for(response: Any, field: str) -> str:
    html: str = response.content.decode()
    marker = f'data-field="{field}"'
    assert marker in html, f"no error shown for {field}"
    return html.split(marker, 1)[1].split("</ul>", 1)[0]


@pytest.mark.parametrize(
    ("day", "zone"), [("0001-01-01", "Europe/Berlin"), ("9999-12-31", "Asia/Tokyo")]
)
def test_a_popup_date_out_of_range_is_shown_on_the_date(
    logged_in: Any, contact: Contact, day: str, zone: str
) -> None:
    response = popup(logged_in, contact, date=day, time="23:50", timezone=zone)
    assert "out of range" in error_for(response, "date")
    assert Meeting.objects.count() == 0
    assert MeetingAction.objects.count() == 0


@pytest.mark.parametrize("zone", ["America", "Europe", "A" * 300])
def test_a_popup_zone_that_is_a_folder_is_shown_on_the_zone(
    logged_in: Any, contact: Contact, zone: str
) -> None:
    error_for(popup(logged_in, contact, timezone=zone), "timezone")
    assert Meeting.objects.count() == 0


@pytest.mark.parametrize("zone", ["America", "A" * 300])
def test_a_browser_zone_that_is_a_folder_is_ignored(
    logged_in: Any, contact: Contact, zone: str
) -> None:
    response = popup(logged_in, contact, browser_timezone=zone)
    assert "HX-Redirect" in response.headers
    assert Meeting.objects.get().timezone == "Europe/Berlin"


@pytest.mark.parametrize("zone", ["Europe", "A" * 300])
def test_a_contact_form_zone_that_is_a_folder_is_shown_on_the_zone(
    logged_in: Any, contact: Contact, zone: str
) -> None:
    data = {"email": contact.email, "first_name": "Rob", "timezone": zone}
    response = logged_in.post(f"/contacts/{contact.pk}/edit/", data)
    assert response.status_code == 200
    assert "time zone" in response.content.decode().lower()
    contact.refresh_from_db()
    assert (contact.first_name, contact.timezone) == ("Bob", "America/New_York")


def test_a_reschedule_to_year_9999_is_shown_on_the_date(
    logged_in: Any, member: User, contact: Contact
) -> None:
    from datetime import datetime

    outcome = schedule_one_off(
        [contact],
        OneOffMeeting(
            title="Review",
            timezone="Europe/Berlin",
            start=datetime.combine(winter_day(), datetime.min.time()),
        ),
        requested_by=member,
        trigger=TriggerRef(TriggerKind.CONTACT, "tests"),
    )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    data = {
        "title": "Review",
        "date": "9999-12-31",
        "time": "23:00",
        "timezone": "Asia/Tokyo",
        "duration_minutes": "30",
        "description": "",
    }
    response = logged_in.post(f"/meetings/{meeting.pk}/reschedule/", data, headers=HTMX)
    assert response.status_code == 200
    assert "out of range" in error_for(response, "date")
    before = meeting.start
    meeting.refresh_from_db()
    assert meeting.start == before
    assert logged_in.get("/meetings/").status_code == 200


def test_a_search_with_a_nul_character_lists_contacts_instead_of_failing(
    logged_in: Any, contact: Contact
) -> None:
    response = logged_in.get("/contacts/", {"q": "Sto\x00ne"})
    assert response.status_code == 200
    assert "bob@example.org" in response.content.decode()
