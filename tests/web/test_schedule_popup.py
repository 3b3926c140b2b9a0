"""The contact page's "Schedule meeting" popup, through Django's test client."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import User
from tests.dates import winter_day

DAY = winter_day()

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def submit(client: Any, contact: Contact, **changes: str) -> Any:
    data = {
        "title": "Demo",
        "when": "at",
        "date": DAY.isoformat(),
        "time": "10:00",
        "timezone": "Europe/Berlin",
        "duration_minutes": "30",
        "attendees": "",
        "description": "",
        "browser_timezone": "Asia/Tokyo",
    }
    data.update(changes)
    return client.post(f"/contacts/{contact.pk}/schedule/", data, headers=HTMX)


def error_for(response: Any, field: str) -> str:
    html: str = response.content.decode()
    marker = f'data-field="{field}"'
    assert marker in html, f"no error shown for {field}: {html[:2000]}"
    return html.split(marker, 1)[1].split("</ul>", 1)[0]


def test_the_popup_opens_with_the_contacts_zone_and_a_title(
    logged_in: Any, contact: Contact
) -> None:
    html = logged_in.get(f"/contacts/{contact.pk}/schedule/", headers=HTMX).content.decode()
    assert 'value="America/New_York"' in html
    assert "Meeting with Bob Stone" in html


def test_a_valid_popup_schedules_and_sends_the_person_to_the_meeting(
    logged_in: Any, contact: Contact
) -> None:
    response = submit(logged_in, contact)
    meeting = Meeting.objects.get()
    assert response.headers["HX-Redirect"] == f"/meetings/{meeting.pk}/"
    assert meeting.local_start.strftime("%Y-%m-%d %H:%M %Z") == f"{DAY.isoformat()} 10:00 CET"
    assert meeting.timezone == "Europe/Berlin" and meeting.timezone_source == "action"


def test_submitting_the_same_popup_twice_makes_one_meeting(
    logged_in: Any, contact: Contact
) -> None:
    opened = logged_in.get(f"/contacts/{contact.pk}/schedule/", headers=HTMX).content.decode()
    occurrence = opened.split('name="occurrence" value="', 1)[1].split('"', 1)[0]

    first = submit(logged_in, contact, occurrence=occurrence)
    second = submit(logged_in, contact, occurrence=occurrence)

    meeting = Meeting.objects.get()
    assert (
        first.headers["HX-Redirect"] == second.headers["HX-Redirect"] == f"/meetings/{meeting.pk}/"
    )
    assert meeting.trigger == "contact"
    assert MeetingAction.objects.count() == 0


def test_the_popup_opened_again_schedules_another_meeting(logged_in: Any, contact: Contact) -> None:
    submit(logged_in, contact)
    submit(logged_in, contact)
    assert Meeting.objects.count() == 2


def test_an_unknown_zone_is_shown_next_to_the_zone_field(logged_in: Any, contact: Contact) -> None:
    assert "Mars/Base" in error_for(submit(logged_in, contact, timezone="Mars/Base"), "timezone")
    assert Meeting.objects.count() == 0 and MeetingAction.objects.count() == 0


def test_a_malformed_date_is_shown_next_to_the_date(logged_in: Any, contact: Contact) -> None:
    assert "valid date" in error_for(submit(logged_in, contact, date="2026-02-30"), "date")
    assert Meeting.objects.count() == 0


def test_a_missing_date_is_asked_for(logged_in: Any, contact: Contact) -> None:
    assert "Pick the date" in error_for(submit(logged_in, contact, date=""), "date")
    assert Meeting.objects.count() == 0


def test_an_invalid_attendee_is_named(logged_in: Any, contact: Contact) -> None:
    response = submit(logged_in, contact, attendees="ok@example.com, bad@")
    assert "bad@" in error_for(response, "attendees")
    assert Meeting.objects.count() == 0 and MeetingAction.objects.count() == 0


def test_a_past_time_is_refused_next_to_the_date(logged_in: Any, contact: Contact) -> None:
    assert "past" in error_for(submit(logged_in, contact, date="2020-01-01"), "date")
    assert Meeting.objects.count() == 0 and MeetingAction.objects.count() == 0


def test_a_missing_contact_is_a_404(logged_in: Any) -> None:
    assert logged_in.get("/contacts/9999/schedule/", headers=HTMX).status_code == 404


def test_now_uses_the_browser_zone_first(logged_in: Any, contact: Contact) -> None:
    submit(logged_in, contact, when="now", date="", time="")
    meeting = Meeting.objects.get()
    assert (meeting.timezone, meeting.timezone_source) == ("Asia/Tokyo", "browser")


def test_pages_need_a_login(client: Any, contact: Contact) -> None:
    for path in ["/contacts/", f"/contacts/{contact.pk}/", "/meetings/", "/outbox/"]:
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/login/")


def test_the_popup_warns_before_scheduling_when_no_account_can_host(
    logged_in: Any, contact: Contact
) -> None:
    html = logged_in.get(f"/contacts/{contact.pk}/schedule/", headers=HTMX).content.decode()
    assert 'data-provider-warning="zoom"' in html
    assert "no Zoom account can host this meeting" in html
    assert 'data-provider-warning="jitsi"' not in html  # Jitsi needs no account
    response = submit(logged_in, contact, provider="zoom")
    assert "no Zoom account" in error_for(response, "provider")
    assert Meeting.objects.count() == 0 and MeetingAction.objects.count() == 0


def test_with_the_owners_account_connected_the_warning_is_gone(
    logged_in: Any, contact: Contact, member: User
) -> None:
    from convener.connections.models import Connection

    Connection.objects.create(provider="zoom", level="user", user=member, account_email="a@x.io")
    html = logged_in.get(f"/contacts/{contact.pk}/schedule/", headers=HTMX).content.decode()
    assert 'data-provider-warning="zoom"' not in html
    submit(logged_in, contact, provider="zoom")
    assert Meeting.objects.get().provider == "zoom"
