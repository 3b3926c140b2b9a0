"""The contacts list as a person uses it: search, filters, sorting and pages, and only the
contacts they may see."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from convener.crm.models import Contact, CustomField
from convener.meetings.models import Meeting, MeetingState
from convener.team.models import User
from tests.access.support import colleague, without

pytestmark = pytest.mark.django_db


def listed(client: Any, **params: Any) -> list[str]:
    """The email addresses in the list's rows, in order."""
    html = client.get("/contacts/", params).content.decode()
    return re.findall(r'<td class="hide-sm">([^<]+@[^<]+)</td>', html)


def page(client: Any, **params: Any) -> str:
    return str(client.get("/contacts/", params).content.decode())


@pytest.fixture
def mike(db: Any) -> User:
    return colleague("mike")


@pytest.fixture
def people(member: User, mike: User) -> dict[str, Contact]:
    """Ann's and Mike's contacts, and one of nobody's."""
    return {
        "bob": Contact.objects.create(
            email="bob@stone.example",
            first_name="Bob",
            last_name="Stone",
            company="Stone & Co",
            timezone="America/New_York",
            owner=member,
        ),
        "cleo": Contact.objects.create(
            email="cleo@acme.example",
            first_name="cleo",
            last_name="Adams",
            company="Acme",
            timezone="Europe/Paris",
            owner=mike,
        ),
        "dan": Contact.objects.create(
            email="dan@acme.example", first_name="Dan", last_name="Zimmer", company="Acme"
        ),
    }


def test_the_list_is_sorted_by_name_ignoring_letter_case(logged_in: Any, people: Any) -> None:
    assert listed(logged_in) == ["cleo@acme.example", "bob@stone.example", "dan@acme.example"]
    assert listed(logged_in, sort="-name") == [
        "dan@acme.example",
        "bob@stone.example",
        "cleo@acme.example",
    ]


def test_the_list_sorts_by_email_creation_and_owner(
    logged_in: Any, people: Any, member: User
) -> None:
    assert listed(logged_in, sort="email") == [
        "bob@stone.example",
        "cleo@acme.example",
        "dan@acme.example",
    ]
    # Created in the order bob, cleo, dan; made older by hand so the order is the data's.
    now = timezone.now()
    for days, key in enumerate(["dan", "cleo", "bob"]):
        Contact.objects.filter(pk=people[key].pk).update(created_at=now - timedelta(days=days))
    assert listed(logged_in, sort="-created") == [
        "dan@acme.example",
        "cleo@acme.example",
        "bob@stone.example",
    ]
    # Ann Lee before mike (no name, so his username); nobody's last.
    assert listed(logged_in, sort="owner") == [
        "bob@stone.example",
        "cleo@acme.example",
        "dan@acme.example",
    ]


def test_a_column_header_sorts_and_a_second_click_reverses(logged_in: Any, people: Any) -> None:
    html = page(logged_in, q="acme")
    assert 'href="?q=acme&amp;sort=email"' in html
    html = page(logged_in, q="acme", sort="email")
    assert 'aria-sort="ascending"' in html and 'href="?q=acme&amp;sort=-email"' in html


def test_search_looks_at_names_emails_and_companies(logged_in: Any, people: Any) -> None:
    assert listed(logged_in, q="stone & co") == ["bob@stone.example"]
    assert listed(logged_in, q="ACME") == ["cleo@acme.example", "dan@acme.example"]
    assert listed(logged_in, q="acme zimmer") == ["dan@acme.example"]
    assert "2 contacts match the filters" in page(logged_in, q="acme")


def test_filters_by_owner(logged_in: Any, people: Any, mike: User) -> None:
    assert listed(logged_in, owner="me") == ["bob@stone.example"]
    assert listed(logged_in, owner=str(mike.pk)) == ["cleo@acme.example"]
    assert listed(logged_in, owner="none") == ["dan@acme.example"]


def test_filters_by_time_zone_including_unknown(logged_in: Any, people: Any) -> None:
    assert listed(logged_in, tz="Europe/Paris") == ["cleo@acme.example"]
    assert listed(logged_in, tz="none") == ["dan@acme.example"]
    # The zones offered are those of the contacts listed.
    html = page(logged_in)
    assert "<option>America/New_York</option>" in html and "<option>Europe/Paris</option>" in html


def test_filters_by_an_upcoming_meeting(logged_in: Any, people: Any, member: User) -> None:
    soon = timezone.now() + timedelta(days=3)
    past = timezone.now() - timedelta(days=3)
    for key, start, state in [
        ("bob", soon, MeetingState.INVITED),
        ("cleo", past, MeetingState.INVITED),
        ("dan", soon, MeetingState.CANCELLED),
    ]:
        Meeting.objects.create(
            contact=people[key],
            host=member,
            provider="jitsi",
            title="Call",
            start=start,
            end=start + timedelta(minutes=30),
            timezone="UTC",
            state=state,
        )
    assert listed(logged_in, upcoming="1") == ["bob@stone.example"]


def test_the_upcoming_filter_counts_only_meetings_the_person_may_see(
    client: Any, people: Any, member: User, mike: User
) -> None:
    soon = timezone.now() + timedelta(days=3)
    Meeting.objects.create(
        contact=people["cleo"],
        host=mike,
        provider="jitsi",
        title="Mike's call",
        start=soon,
        end=soon + timedelta(minutes=30),
        timezone="UTC",
    )
    without(member, "team.view_others_meetings")
    client.force_login(member)
    assert listed(client, upcoming="1") == []


@pytest.fixture
def custom(people: Any) -> dict[str, CustomField]:
    fields = {
        "plan": CustomField.objects.create(
            key="plan", label="Plan", kind="choice", choices=["Basic", "Pro"]
        ),
        "seats": CustomField.objects.create(key="seats", label="Seats", kind="number"),
        "renewal": CustomField.objects.create(key="renewal", label="Renewal", kind="date"),
        "call_at": CustomField.objects.create(key="call_at", label="Call at", kind="datetime"),
        "notes": CustomField.objects.create(key="notes", label="Notes", kind="text"),
        "vip": CustomField.objects.create(key="vip", label="VIP", kind="boolean"),
    }
    Contact.objects.filter(pk=people["bob"].pk).update(
        fields={
            "plan": "Pro",
            "seats": 12,
            "renewal": "2031-03-01",
            "call_at": "2031-03-02T15:00",
            "notes": "Met at the Lisbon fair",
            "vip": True,
        }
    )
    Contact.objects.filter(pk=people["cleo"].pk).update(
        fields={"plan": "Basic", "seats": 3.5, "vip": False}
    )
    return fields


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("plan", "Pro", ["bob@stone.example"]),
        ("seats", "12", ["bob@stone.example"]),
        ("seats", "3.5", ["cleo@acme.example"]),
        ("renewal", "2031-03-01", ["bob@stone.example"]),
        ("call_at", "2031-03-02", ["bob@stone.example"]),
        ("notes", "lisbon", ["bob@stone.example"]),
        ("vip", "no", ["cleo@acme.example"]),
        ("plan", "", ["cleo@acme.example", "bob@stone.example"]),
    ],
)
def test_filters_by_a_custom_fields_value_read_as_its_kind(
    logged_in: Any, custom: Any, field: str, value: str, expected: list[str]
) -> None:
    assert listed(logged_in, field=field, value=value) == expected


def test_a_filter_that_cannot_be_read_lists_nothing_and_says_why(
    logged_in: Any, custom: Any
) -> None:
    html = page(logged_in, field="seats", value="many")
    assert "Seats: &#x27;many&#x27; is not a number, like 12 or 3.5." in html
    assert listed(logged_in, field="seats", value="many") == []
    assert "There is no custom field &#x27;gone&#x27; any more." in page(logged_in, field="gone")
    assert listed(logged_in, owner="someone") == []


def test_pages_keep_the_filters_and_the_sort(logged_in: Any, member: User) -> None:
    Contact.objects.bulk_create(
        Contact(email=f"p{n:03d}@acme.example", last_name=f"P{n:03d}", company="Acme", owner=member)
        for n in range(30)
    )
    html = page(logged_in, q="acme", sort="-email", per_page="25")
    assert "Page 1 of 2" in html
    assert 'href="?q=acme&amp;sort=-email&amp;per_page=25&amp;page=2"' in html
    second = listed(logged_in, q="acme", sort="-email", per_page="25", page="2")
    assert second == [f"p{n:03d}@acme.example" for n in range(4, -1, -1)]


def test_only_contacts_the_person_may_see_are_listed_and_counted(
    client: Any, people: Any, member: User
) -> None:
    without(member, "team.view_others_contacts")
    client.force_login(member)
    assert listed(client) == ["bob@stone.example"]
    html = page(client, q="acme")
    assert "cleo@acme.example" not in html and "Europe/Paris" not in html


def test_select_all_says_how_many_the_person_may_act_on(
    logged_in: Any, people: Any, member: User
) -> None:
    # Ann may change her own contacts only (the defaults): 1 of the 3 matching.
    html = page(logged_in)
    assert "Select all 3 matching contacts" in html
    assert "the 1 you may change are acted on" in html
