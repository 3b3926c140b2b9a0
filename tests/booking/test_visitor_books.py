"""A visitor books a time on a host's page: a contact, one meeting with its own link
through the trigger seam, a confirmation, a calendar file; a second try of the same
booking is the same booking; a time taken meanwhile is said, with the next free times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from icalendar import Calendar

from convener.booking.links import read_manage_token
from convener.booking.models import Booking, BookingPage
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind
from convener.team.models import User
from tests.booking.support import book_slot, intro_page, slots_shown
from tests.dates import utc, winter_day
from tests.scheduling.support import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(member: User) -> BookingPage:
    return intro_page(
        member, questions=[{"label": "What would you like to discuss?", "required": True}]
    )


def day_view(client: Client, page: BookingPage, zone: str = "Asia/Kolkata") -> str:
    day = winter_day()
    return client.get(f"/b/{page.slug}/", {"tz": zone, "week": day.isoformat()}).content.decode()


def test_the_page_shows_the_hosts_hours_in_the_visitors_zone(
    client: Client, page: BookingPage
) -> None:
    html = day_view(client, page, "America/New_York")
    first = slots_shown(html)[0]
    # 09:00 in New York in December is 14:00 UTC, and shown as 09:00.
    assert first == utc(winter_day(), 14)
    assert ">09:00<" in html

    in_kolkata = day_view(client, page)
    assert utc(winter_day(), 14) in slots_shown(in_kolkata)
    assert ">19:30<" in in_kolkata  # 14:00 UTC is 19:30 in Kolkata


def test_a_booking_makes_a_contact_and_one_meeting_through_the_seam(
    client: Client, page: BookingPage
) -> None:
    at = utc(winter_day(), 15)
    answer = book_slot(client, page, at, q0="Pricing")

    assert answer.status_code == 303
    booking = Booking.objects.get()
    contact = Contact.objects.get(email="vera@client.example")
    assert (contact.first_name, contact.last_name) == ("Vera", "Visitor")
    meeting = Meeting.objects.get()
    assert meeting.trigger == TriggerKind.BOOKING and meeting.trigger_source == str(page.pk)
    assert meeting.start == at and meeting.end == at + timedelta(minutes=30)
    assert meeting.contact == contact and booking.meeting == meeting
    assert "Pricing" in meeting.description and "/b/manage/" in meeting.description

    run(meeting)
    done = client.get(answer["Location"]).content.decode()
    meeting.refresh_from_db()
    assert meeting.join_url and meeting.join_url in done
    # 15:00 UTC is 20:30 in Kolkata, where the visitor is.
    assert "20:30\u201321:00" in done and "Asia/Kolkata" in done


def test_the_same_booking_sent_twice_is_one_booking(client: Client, page: BookingPage) -> None:
    at = utc(winter_day(), 15)
    first = book_slot(client, page, at, q0="x")
    again = book_slot(client, page, at, q0="x")

    # The same booking's page (its signed address carries the second it was signed in).
    assert booking_of(first) == booking_of(again) == str(Booking.objects.get().reference)
    assert Booking.objects.count() == 1 and Meeting.objects.count() == 1


def booking_of(answer: Any) -> str | None:
    """The booking whose page a booking answer leads to."""
    prefix = "/b/booked/"
    address = urlsplit(answer["Location"]).path
    assert address.startswith(prefix)
    return read_manage_token(address.removeprefix(prefix).strip("/"))


def test_a_time_taken_meanwhile_is_said_with_the_next_free_times(
    client: Client, page: BookingPage
) -> None:
    at = utc(winter_day(), 15)
    book_slot(client, page, at, q0="x")

    late = book_slot(client, page, at, email="other@client.example", key="z" * 32, q0="y")

    html = late.content.decode()
    assert late.status_code == 409
    assert "This time has just been taken" in html
    assert "15:30" not in html or "data-offered" in html
    assert Booking.objects.count() == 1


def test_a_missing_answer_is_said_next_to_its_question_and_the_rest_is_kept(
    client: Client, page: BookingPage
) -> None:
    answer = book_slot(client, page, utc(winter_day(), 15))

    html = answer.content.decode()
    assert answer.status_code == 200 and 'data-field="q0"' in html
    assert 'value="vera@client.example"' in html
    assert not Booking.objects.exists()


def test_the_calendar_file_has_the_meetings_time(client: Client, page: BookingPage) -> None:
    at = utc(winter_day(), 15)
    answer = book_slot(client, page, at, q0="x")

    ics = client.get(answer["Location"] + "booking.ics")

    event = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert event.decoded("DTSTART").astimezone(UTC) == at
    assert event.decoded("DTEND").astimezone(UTC) == at + timedelta(minutes=30)
    assert str(event["UID"]) == f"{Meeting.objects.get().uid}@convener"


def test_an_unknown_or_unpublished_page_is_not_found(client: Client, page: BookingPage) -> None:
    assert client.get("/b/nosuchpage/").status_code == 404
    page.published = False
    page.save()
    assert client.get(f"/b/{page.slug}/").status_code == 404


def test_a_bad_time_or_zone_never_breaks_the_page(client: Client, page: BookingPage) -> None:
    assert client.get(f"/b/{page.slug}/", {"tz": "Mars/Olympus", "at": "soon"}).status_code == 200
    assert client.get(f"/b/{page.slug}/", {"week": "2030-13-45", "d": "x"}).status_code == 400
    posted = client.post(f"/b/{page.slug}/", {"at": "2030-01-01T00:00"})
    assert posted.status_code == 400
    _ = datetime
