"""When a booking's link cannot be made, the booking stands, the host is told why, and the
link comes later: made again when the host has fixed their account and saves, or pasted
by hand. The visitor's time is never lost."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from convener.booking.models import Booking
from convener.meetings.models import Meeting, MeetingState
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.booking.support import book_slot, intro_page
from tests.dates import utc, winter_day
from tests.outages.support import Account
from tests.scheduling.support import run

pytestmark = pytest.mark.django_db


def test_without_the_hosts_account_the_booking_stands_and_the_meeting_follows(
    client: Client, member: User, google: FakeServer, django_capture_on_commit_callbacks: Any
) -> None:
    page = intro_page(member, provider="google_meet")
    client.force_login(member)
    warning = client.get(f"/booking-pages/{page.pk}/").content.decode()
    assert "no working Google Meet account" in warning
    client.logout()

    answer = book_slot(client, page, utc(winter_day(), 15))

    assert answer.status_code == 303
    booking = Booking.objects.get()
    assert booking.meeting is None and "Google Meet" in booking.problem
    done = client.get(answer["Location"]).content.decode()
    assert "your time is booked" in done

    client.force_login(member)
    listed = client.get(f"/booking-pages/{page.pk}/bookings/").content.decode()
    assert "No meeting" in listed and "Make the meeting" in listed
    assert "Google Meet" in listed

    # Connecting the account makes the waiting meeting on its own.
    with django_capture_on_commit_callbacks(execute=True):
        Account("google_meet", google, client, member).connect()

    booking.refresh_from_db()
    assert booking.meeting is not None and not booking.problem
    run(booking.meeting)
    assert booking.meeting.join_url.startswith("https://meet.google.com/")
    assert booking.meeting.join_url in client.get(answer["Location"]).content.decode()


def test_a_revoked_account_is_said_then_a_save_makes_the_link_then_a_link_by_hand_is_kept(
    client: Client, member: User, google: FakeServer
) -> None:
    account = Account("google_meet", google, client, member)
    account.connect()
    page = intro_page(member, provider="google_meet")
    answer = book_slot(client, page, utc(winter_day(), 15))
    meeting = Meeting.objects.get()
    account.revoke()

    run(meeting)

    assert not meeting.join_url
    assert meeting.state in {MeetingState.WAITING_CONNECTION, MeetingState.LINK_FAILED}
    assert meeting.state_reason
    client.force_login(member)
    listed = client.get(f"/booking-pages/{page.pk}/bookings/").content.decode()
    assert meeting.get_state_display() in listed

    account.connect()  # reconnected; saving the meeting makes the link again
    from convener.scheduling.lifecycle import save_meeting

    save_meeting(meeting, {}, by=member)
    run(meeting)
    assert meeting.join_url.startswith("https://meet.google.com/")

    pasted = client.post(
        f"/meetings/{meeting.pk}/link/", {"join_url": "https://rooms.example.com/priya"}
    )
    assert pasted.status_code == 302
    run(meeting)
    assert (meeting.join_url, meeting.manual_link) == ("https://rooms.example.com/priya", True)
    client.logout()
    assert "https://rooms.example.com/priya" in client.get(answer["Location"]).content.decode()
