"""The visitor moves or cancels their booking through the signed link of the email: the
meeting is moved (an updated invitation) or cancelled (a CANCEL), and the time they left
is free again. A link that was not signed here finds nothing."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.test import Client
from icalendar import Calendar

from convener.booking.models import Booking, BookingStatus, HostHold
from convener.meetings.models import Delivery, Meeting
from convener.team.models import User
from tests.booking.support import book_slot, intro_page, slots_shown
from tests.dates import utc, winter_day
from tests.scheduling.support import run

pytestmark = pytest.mark.django_db


def booked(client: Client, member: User) -> tuple[Booking, str]:
    page = intro_page(member)
    answer = book_slot(client, page, utc(winter_day(), 15))
    booking = Booking.objects.get()
    assert booking.meeting is not None
    run(booking.meeting)
    manage = answer["Location"].replace("/b/booked/", "/b/manage/")
    return booking, manage


def visitor_deliveries(method: str) -> list[Delivery]:
    return list(Delivery.objects.filter(recipient="vera@client.example", method=method))


def test_the_visitor_moves_the_booking_and_the_invitation_follows(
    client: Client, member: User
) -> None:
    booking, manage = booked(client, member)
    page_html = client.get(manage, {"week": winter_day().isoformat()}).content.decode()
    later = utc(winter_day(1), 16)
    assert later in slots_shown(page_html)
    assert utc(winter_day(), 15) in slots_shown(page_html)  # their own time is theirs to keep

    moved = client.post(manage, {"at": later.isoformat(), "tz": "Asia/Kolkata"})

    assert moved.status_code == 303
    booking.refresh_from_db()
    meeting = Meeting.objects.get()
    assert booking.start == later and meeting.start == later and meeting.sequence == 1
    run(meeting)
    updates = [d for d in visitor_deliveries("REQUEST") if d.sequence == 1]
    assert updates, "the visitor gets the updated invitation"
    event = Calendar.from_ical(updates[0].ics).walk("VEVENT")[0]
    assert event.decoded("DTSTART").astimezone(UTC) == later
    assert {h.cell for h in HostHold.objects.all()} == {later, later.replace(minute=15)}


def test_the_visitor_cancels_and_everyone_gets_a_cancel(client: Client, member: User) -> None:
    booking, manage = booked(client, member)

    answer = client.post(manage, {"do": "cancel"})

    assert "Your booking is cancelled" in answer.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and not HostHold.objects.exists()
    meeting = Meeting.objects.get()
    assert meeting.cancel_requested
    run(meeting)
    assert visitor_deliveries("CANCEL")
    # The time is free again for the next visitor.
    client.logout()
    html = client.get(
        f"/b/{booking.page.slug}/", {"tz": "UTC", "week": winter_day().isoformat()}
    ).content.decode()
    assert utc(winter_day(), 15) in slots_shown(html)


def test_a_link_not_signed_here_finds_nothing(client: Client, member: User) -> None:
    _, manage = booked(client, member)
    forged = manage.rstrip("/")[:-3] + "xyz/"

    assert client.get(forged).status_code == 404
    assert client.post(forged, {"do": "cancel"}).status_code == 404
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
