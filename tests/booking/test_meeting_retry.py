"""A confirmed booking whose meeting could not be made is tried again on its own, with
backoff, by the worker's loop: the booking stays confirmed, the host reads why and when
the next try is, and once the meeting exists the pipeline makes its link (at the fake
providers, over HTTP) and the visitor gets the invitation with it (at a real SMTP
server). Tries stop when the booking is over."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from convener.booking import retry
from convener.booking.models import Booking, BookingPage, BookingStatus
from convener.dispatch import periodic
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.booking.support import book_slot, intro_page
from tests.conftest import Inbox
from tests.dates import utc, winter_day
from tests.outages.support import Account
from tests.scheduling.support import invites, run

pytestmark = pytest.mark.django_db

VISITOR = "vera@client.example"
AT = utc(winter_day(), 15)


def booked(client: Client, page: BookingPage) -> Booking:
    answer = book_slot(client, page, AT)
    assert answer.status_code == 303
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED
    return booking


@contextmanager
def when_due(booking: Booking) -> Iterator[None]:
    """The clock at the booking's next try (the worker's steps that follow run then)."""
    booking.refresh_from_db()
    assert booking.next_meeting_attempt is not None
    with time_machine.travel(booking.next_meeting_attempt + timedelta(seconds=1)):
        yield
    booking.refresh_from_db()


def try_when_due(booking: Booking) -> int:
    """The worker's round once the booking's next try is due; how many got a meeting."""
    with when_due(booking):
        return retry.retry_due()


def base() -> timedelta:
    return timedelta(seconds=float(django_settings.RETRY_BASE_SECONDS))


def test_the_worker_runs_the_retries() -> None:
    assert periodic.registered()["booking-meetings"] is retry.loop


def test_without_an_account_the_meeting_is_tried_on_a_timer_until_it_is_made(
    client: Client, member: User, google: FakeServer, smtp_server: Inbox
) -> None:
    page = intro_page(member, provider="google_meet")
    before = timezone.now()

    booking = booked(client, page)

    assert booking.meeting is None and "Google Meet" in booking.problem
    assert booking.meeting_attempts == 1
    assert booking.next_meeting_attempt is not None
    assert before + base() / 2 <= booking.next_meeting_attempt <= timezone.now() + base()
    client.force_login(member)
    listed = client.get(f"/booking-pages/{page.pk}/bookings/").content.decode()
    assert "No meeting" in listed and "Google Meet" in listed
    assert "data-next-try" in listed and "Tried 1 time;" in listed

    # Due, and still no account: tried, said again, the next try further off.
    tried_at = booking.next_meeting_attempt
    assert try_when_due(booking) == 0
    assert booking.meeting is None and booking.meeting_attempts == 2
    assert booking.next_meeting_attempt >= tried_at + base()  # type: ignore[operator]
    assert booking.status == BookingStatus.CONFIRMED

    # The host connects an account, and the try that a connect makes is lost (its
    # process died before the commit's callbacks: a test's transaction runs none).
    Account("google_meet", google, client, member).connect()
    booking.refresh_from_db()
    assert booking.meeting is None

    # The timer makes it, and the pipeline its link.
    with when_due(booking):
        assert retry.retry_due() == 1
        meeting = Booking.objects.get().meeting
        assert meeting is not None
        run(meeting)
    assert booking.meeting == meeting and not booking.problem
    assert (booking.meeting_attempts, booking.next_meeting_attempt) == (0, None)
    assert meeting.join_url.startswith("https://meet.google.com/")

    (invitation,) = [i for i in invites(smtp_server, VISITOR) if i.method == "REQUEST"]
    assert meeting.join_url in (invitation.location, invitation.url, invitation.conference)
    assert invitation.start == AT
    listed = client.get(f"/booking-pages/{page.pk}/bookings/").content.decode()
    assert meeting.join_url in listed and "data-next-try" not in listed
    # Nothing is left to try.
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert retry.retry_due() == 0
    assert Booking.objects.get().meeting_id == meeting.pk


def test_an_error_of_ours_keeps_the_booking_and_the_next_try_makes_the_link(
    client: Client, member: User, smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convener.scheduling.schedule import schedule

    page = intro_page(member)  # Jitsi: no account needed
    failing = {"left": 1}

    def once_broken(request: Any) -> Any:
        if failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("the database went away")
        return schedule(request)

    monkeypatch.setattr("convener.booking.book.schedule", once_broken)

    booking = booked(client, page)  # a 303, not an error page: the time is the visitor's

    assert booking.meeting is None and "error on our side" in booking.problem
    with when_due(booking):
        assert retry.retry_due() == 1
        meeting = Booking.objects.get().meeting
        assert meeting is not None
        run(meeting)
    assert meeting.join_url.startswith("https://meet.jit.si/")
    (invitation,) = [i for i in invites(smtp_server, VISITOR) if i.method == "REQUEST"]
    assert meeting.join_url in (invitation.location, invitation.url)


def test_tries_back_off_and_stop_when_the_booking_is_over(
    client: Client, member: User, google: FakeServer
) -> None:
    booking = booked(client, intro_page(member, provider="google_meet"))
    gaps = []
    for _ in range(5):
        tried = booking.next_meeting_attempt
        try_when_due(booking)
        gaps.append(booking.next_meeting_attempt - tried)  # type: ignore[operator]
    # Each wait at least the lower half of a doubling ceiling: 2, 4, 8, 16, 32 bases.
    for attempt, gap in enumerate(gaps, start=2):
        assert gap >= base() * 2 ** (attempt - 1) / 2
    assert booking.meeting_attempts == 6

    with time_machine.travel(booking.end + timedelta(minutes=1)):
        assert retry.retry_due() == 0
    booking.refresh_from_db()
    assert booking.meeting_attempts == 6  # over: not tried again


def test_a_cancelled_booking_is_not_tried(client: Client, member: User, google: FakeServer) -> None:
    from convener.booking import book

    booking = booked(client, intro_page(member, provider="google_meet"))
    due = booking.next_meeting_attempt
    book.cancel(booking)

    assert booking.next_meeting_attempt is None
    with time_machine.travel(due + timedelta(seconds=1)):  # type: ignore[operator]
        assert retry.retry_due() == 0
    booking.refresh_from_db()
    assert booking.meeting_attempts == 1


def test_a_token_refresh_tries_nothing_a_reconnect_does(
    client: Client,
    member: User,
    google: FakeServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connection = Account("google_meet", google, client, member).connect()

    with django_capture_on_commit_callbacks() as refreshed:
        connection.save(update_fields=["secret_blob", "updated_at"])  # as a refresh saves
    with django_capture_on_commit_callbacks() as reconnected:
        connection.save(update_fields=["status", "status_reason"])

    assert not refreshed and len(reconnected) == 2  # the bookings' try and the events'


def test_a_revoked_account_keeps_the_meeting_waiting_and_a_reconnect_sends_the_link(
    client: Client,
    member: User,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    account = Account("google_meet", google, client, member)
    account.connect()
    page = intro_page(member, provider="google_meet")
    # Booked while the host's calendar could still be read; then access is revoked at
    # Google, before the link is made (a revoked account offers no times at all).
    booking = booked(client, page)
    account.revoke()
    assert booking.meeting is not None  # the meeting exists: the pipeline's to retry
    run(booking.meeting)

    assert not booking.meeting.join_url and booking.meeting.state_reason
    assert booking.next_meeting_attempt is None  # nothing for the booking's timer
    client.force_login(member)
    listed = client.get(f"/booking-pages/{page.pk}/bookings/").content.decode()
    assert booking.meeting.state_reason in listed
    assert not [i for i in invites(smtp_server, VISITOR) if i.method == "REQUEST"]

    with django_capture_on_commit_callbacks(execute=True):
        account.connect()
    run(booking.meeting)

    assert booking.meeting.join_url.startswith("https://meet.google.com/")
    (invitation,) = [i for i in invites(smtp_server, VISITOR) if i.method == "REQUEST"]
    assert booking.meeting.join_url in (invitation.location, invitation.url, invitation.conference)
    assert invitation.start == AT
