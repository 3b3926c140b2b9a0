"""Team pages: round robin gives each booking to the free host booked least recently (or
to the contact's owner when asked and free); collective offers a time only when every
host is free, and the booking takes them all. Every host gets the invitation."""

from __future__ import annotations

import pytest
from django.test import Client

from convener.booking.models import Booking, BookingPage, HostHold, PageKind
from convener.crm.models import Contact
from convener.meetings.models import Delivery, Meeting
from convener.team.models import User
from tests.booking.support import book_slot, intro_page, slots_shown
from tests.dates import utc, winter_day
from tests.scheduling.support import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(member: User) -> list[User]:
    return [
        member,
        User.objects.create_user("ben", "ben@example.com", "pw-pw-pw-pw-12", first_name="Ben"),
    ]


def team_page(team: list[User], kind: str, **settings: object) -> BookingPage:
    page = intro_page(team[0], kind=kind, **settings)
    page.hosts.set(team)
    return page


def shown(client: Client, page: BookingPage) -> list[object]:
    html = client.get(
        f"/b/{page.slug}/", {"tz": "UTC", "week": winter_day().isoformat()}
    ).content.decode()
    return slots_shown(html)  # type: ignore[return-value]


def test_round_robin_takes_turns_and_a_time_stays_free_while_one_host_is(
    client: Client, team: list[User]
) -> None:
    page = team_page(team, PageKind.ROUND_ROBIN)
    at = utc(winter_day(), 15)

    book_slot(client, page, at, email="a@client.example", key="a" * 32)
    assert at in shown(client, page)  # the other host is still free then
    book_slot(client, page, at, email="b@client.example", key="b" * 32)

    hosts = {b.host for b in Booking.objects.all()}
    assert hosts == set(team)
    assert at not in shown(client, page)
    later = book_slot(client, page, utc(winter_day(), 16), email="c@client.example", key="c" * 32)
    assert later.status_code == 303
    # Both were booked once; the one booked first (longest ago) takes the third.
    first = Booking.objects.get(email="a@client.example").host
    assert Booking.objects.get(email="c@client.example").host == first


def test_round_robin_can_prefer_the_contacts_owner(client: Client, team: list[User]) -> None:
    page = team_page(team, PageKind.ROUND_ROBIN, prefer_contact_owner=True)
    Contact.objects.create(email="known@client.example", owner=team[1])
    book_slot(client, page, utc(winter_day(), 14), email="x@client.example", key="x" * 32)

    book_slot(client, page, utc(winter_day(), 15), email="known@client.example", key="k" * 32)

    assert Booking.objects.get(email="known@client.example").host == team[1]


def test_collective_is_free_only_when_every_host_is_and_invites_them_all(
    client: Client, team: list[User]
) -> None:
    page = team_page(team, PageKind.COLLECTIVE)
    busy = utc(winter_day(), 15)
    Meeting.objects.create(
        host=team[1],
        provider="jitsi",
        title="Ben's call",
        start=busy,
        end=busy.replace(minute=30),
        timezone="UTC",
    )
    assert busy not in shown(client, page)

    at = utc(winter_day(), 16)
    assert book_slot(client, page, at).status_code == 303

    assert {h.host for h in HostHold.objects.all()} == set(team)
    meeting = Booking.objects.get().meeting
    assert meeting is not None
    run(meeting)
    invited = set(Delivery.objects.filter(meeting=meeting).values_list("recipient", flat=True))
    assert {"ann@example.com", "ben@example.com", "vera@client.example"} <= invited
