"""Two (or more) visitors confirm the same time at the same moment: exactly one booking,
enforced by the database; each other visitor is told the time has just been taken and is
offered the next free times. Real concurrent requests, each with its own connection."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from convener.booking.models import Booking, HostHold
from convener.meetings.models import Meeting
from convener.team.models import User
from tests.booking.support import book_slot, intro_page
from tests.dates import utc, winter_day

VISITORS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_visitors_on_one_slot_make_exactly_one_booking() -> None:
    host = User.objects.create_user(
        "hana", "hana@example.com", "pw-pw-pw-pw-12", timezone="America/New_York"
    )
    page = intro_page(host)
    at = utc(winter_day(), 15)
    start = threading.Barrier(VISITORS)
    answers: list[Any] = [None] * VISITORS

    def visitor(index: int) -> None:
        try:
            start.wait()
            answers[index] = book_slot(
                Client(), page, at, email=f"v{index}@client.example", key=f"{index:032d}"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(VISITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [303] + [409] * (VISITORS - 1)
    assert Booking.objects.count() == 1 and Meeting.objects.count() == 1
    assert HostHold.objects.count() == 2  # the half hour's two quarter hours
    for lost in (a for a in answers if a.status_code == 409):
        html = lost.content.decode()
        assert "This time has just been taken" in html and "data-offered" in html


@pytest.mark.django_db(transaction=True)
def test_an_overlapping_booking_of_another_length_is_refused_by_the_database() -> None:
    """The holds are quarter hours: a 60-minute booking at 10:00 and a 30-minute one at
    10:30 share one, so the second cannot be saved even past every check."""
    from django.db import IntegrityError

    from convener.booking.models import cells

    host = User.objects.create_user("hana", "hana@example.com", "pw-pw-pw-pw-12")
    page = intro_page(host, durations=[30, 60])
    day = winter_day()
    first = Booking.objects.create(
        page=page,
        request_key="a",
        host=host,
        start=utc(day, 15),
        end=utc(day, 16),
        visitor_timezone="UTC",
        name="A",
        email="a@client.example",
    )
    HostHold.objects.bulk_create(
        HostHold(host=host, cell=c, booking=first) for c in cells(first.start, first.end)
    )
    second = Booking.objects.create(
        page=page,
        request_key="b",
        host=host,
        start=utc(day, 15, 30),
        end=utc(day, 16),
        visitor_timezone="UTC",
        name="B",
        email="b@client.example",
    )
    with pytest.raises(IntegrityError):
        HostHold.objects.bulk_create(
            HostHold(host=host, cell=c, booking=second) for c in cells(second.start, second.end)
        )
