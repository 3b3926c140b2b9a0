"""The meetings list as a person uses it: upcoming, past or all; searched, filtered by
state, provider, host, account, what made it and run; sorted by start both ways; paged
with the filters kept; only the meetings they may see, at times in their own zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingState, Run
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.team.models import User
from tests.access.support import colleague, without
from tests.dates import utc, winter_day

pytestmark = pytest.mark.django_db


def page(client: Any, **params: Any) -> str:
    answer = client.get("/meetings/", params)
    assert answer.status_code == 200
    return str(answer.content.decode())


def titles(client: Any, **params: Any) -> list[str]:
    """The meeting titles in the list's rows, in order."""
    return re.findall(r'<a href="/meetings/\d+/">([^<]+)</a>', page(client, **params))


def meeting(
    title: str,
    start: datetime,
    *,
    host: User | None = None,
    contact: Contact | None = None,
    provider: str = "jitsi",
    **fields: Any,
) -> Meeting:
    return Meeting.objects.create(
        title=title,
        start=start,
        end=start + timedelta(minutes=30),
        timezone="Europe/Berlin",
        provider=provider,
        host=host,
        contact=contact,
        **fields,
    )


@pytest.fixture
def mike(db: Any) -> User:
    return colleague("mike")


@pytest.fixture
def meetings(member: User, mike: User, contact: Contact) -> dict[str, Meeting]:
    """Ann's and Mike's meetings: three to come (in December next year), two past."""
    now = timezone.now()
    day = winter_day()
    cleo = Contact.objects.create(email="cleo@acme.example", first_name="Cleo", owner=mike)
    return {
        "demo": meeting(
            "Product demo", utc(day, 9), host=member, contact=contact, state=MeetingState.INVITED
        ),
        "kickoff": meeting(
            "Kickoff", utc(day, 15), host=mike, contact=cleo, provider="zoom", state="creating"
        ),
        "renewal": meeting(
            "Renewal talk",
            utc(winter_day(7), 8),
            host=member,
            contact=contact,
            state=MeetingState.LINK_FAILED,
        ),
        "intro": meeting(
            "Intro call", now - timedelta(days=3), host=member, state=MeetingState.INVITED
        ),
        "retro": meeting(
            "Retro",
            now - timedelta(days=40),
            host=mike,
            contact=cleo,
            state=MeetingState.CANCELLED,
            cancel_requested=True,
        ),
    }


def test_upcoming_is_the_default_with_the_soonest_first(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    client.force_login(member)
    assert titles(client) == ["Product demo", "Kickoff", "Renewal talk"]
    assert "3 upcoming meetings" in page(client)


def test_past_shows_the_most_recent_first_and_all_shows_every_meeting(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    client.force_login(member)
    assert titles(client, view="past") == ["Intro call", "Retro"]
    assert titles(client, view="all") == [
        "Renewal talk",
        "Kickoff",
        "Product demo",
        "Intro call",
        "Retro",
    ]


def test_the_start_sorts_both_ways_and_the_header_flips_it(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    client.force_login(member)
    assert titles(client, sort="-start") == ["Renewal talk", "Kickoff", "Product demo"]
    html = page(client, view="past", state="cancelled")
    # The header's link keeps the view and the filter and turns the order around.
    link = re.search(r'class="sort-link" href="\?([^"]+)"', html)
    assert link is not None
    assert set(link.group(1).replace("&amp;", "&").split("&")) == {
        "view=past",
        "state=cancelled",
        "sort=start",
    }


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("scheduled", ["Product demo", "Intro call"]),
        ("being_created", ["Kickoff"]),
        ("failed", ["Renewal talk"]),
        ("cancelled", ["Retro"]),
        ("being_cancelled", []),
    ],
)
def test_the_state_filter_uses_the_words_of_the_badges(
    client: Any, member: User, meetings: dict[str, Meeting], state: str, expected: list[str]
) -> None:
    client.force_login(member)
    assert sorted(titles(client, view="all", state=state)) == sorted(expected)


def test_a_meeting_being_cancelled_is_found_under_being_cancelled_not_scheduled(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    Meeting.objects.filter(pk=meetings["demo"].pk).update(cancel_requested=True)
    client.force_login(member)
    assert titles(client, state="being_cancelled") == ["Product demo"]
    assert "Product demo" not in titles(client, state="scheduled")
    assert 'data-phase="being_cancelled">Being cancelled<' in page(client)


def test_search_looks_at_titles_and_the_contacts_names_and_addresses(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    client.force_login(member)
    assert titles(client, view="all", q="renewal") == ["Renewal talk"]
    assert titles(client, view="all", q="cleo") == ["Kickoff", "Retro"]
    assert titles(client, view="all", q="bob@example") == ["Renewal talk", "Product demo"]
    html = page(client, q="nobody-like-this")
    assert "No upcoming meeting matches “nobody-like-this”" in html


def test_filters_by_provider_host_account_and_what_made_it(
    client: Any, member: User, mike: User, meetings: dict[str, Meeting]
) -> None:
    account = Connection.objects.create(
        provider="zoom", level=Connection.Level.ORGANIZATION, account_email="team@zoom.example"
    )
    Meeting.objects.filter(pk=meetings["kickoff"].pk).update(
        connection=account, trigger=TriggerKind.SEGMENT
    )
    client.force_login(member)
    assert titles(client, provider="zoom") == ["Kickoff"]
    assert titles(client, host="me") == ["Product demo", "Renewal talk"]
    assert titles(client, host=str(mike.pk), view="all") == ["Kickoff", "Retro"]
    assert titles(client, account=str(account.pk)) == ["Kickoff"]
    assert titles(client, trigger="segment") == ["Kickoff"]
    assert "team@zoom.example" in page(client)  # offered in the Account filter


def test_the_run_filter_lists_the_meetings_of_one_launch(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    ref = TriggerRef(TriggerKind.BULK, "7", "spring")
    run = Run.objects.create(
        label="Spring wave", trigger=ref.kind, trigger_source=ref.source, occurrence="spring"
    )
    renewal = meetings["renewal"]
    Meeting.objects.filter(pk=renewal.pk).update(
        trigger=ref.kind, trigger_source=ref.source, trigger_key=ref.meeting_key(1)
    )
    client.force_login(member)
    assert titles(client, run=str(run.pk)) == ["Renewal talk"]
    assert "Spring wave" in page(client)


def test_a_filter_it_cannot_read_says_so_and_lists_nothing(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    client.force_login(member)
    for params, words in [
        ({"host": "someone"}, "Host: choose a team member from the list."),
        ({"state": "sleeping"}, "State: choose one from the list."),
        ({"run": "999"}, "Run: there is no such run"),
        ({"account": "abc"}, "Account: choose a connected account"),
        ({"trigger": "pigeon"}, "Made by: choose one from the list."),
    ]:
        html = page(client, **params)
        assert words in html and "No meeting is listed until the filter is corrected" in html
        assert titles(client, **params) == []


def test_pages_keep_the_view_the_filters_and_the_sort(client: Any, member: User) -> None:
    start = utc(winter_day(), 8)
    for n in range(60):
        meeting(f"Call {n:02d}", start + timedelta(hours=n), host=member)
    client.force_login(member)
    first = page(client, view="all", q="call", sort="start")
    assert "Page 1 of 2" in first
    nxt = re.search(r'href="\?([^"]+)">Next', first)
    assert nxt is not None
    second = client.get("/meetings/?" + nxt.group(1).replace("&amp;", "&")).content.decode()
    found = re.findall(r'<a href="/meetings/\d+/">([^<]+)</a>', second)
    assert found == [f"Call {n:02d}" for n in range(50, 60)]
    assert 'value="call"' in second  # the search box still holds the search
    smaller = page(client, view="all", per_page="25")
    assert "Page 1 of 3" in smaller and 'href="?view=all&amp;per_page=25&amp;page=2"' in smaller


def test_only_the_meetings_the_person_may_see_are_listed(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    without(member, "team.view_others_meetings")
    client.force_login(member)
    assert titles(client, view="all") == ["Renewal talk", "Product demo", "Intro call"]
    assert titles(client, view="all", q="cleo") == []


def test_times_are_in_the_viewers_zone(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    client.force_login(member)  # Ann reads Europe/Berlin: 09:00 UTC is 10:00 CET
    html = page(client)
    assert "10:00 CET" in html and "times in your zone, Europe/Berlin" in html
    member.timezone = "America/New_York"
    member.save()
    assert "04:00 EST" in page(client)


def test_the_rows_reload_themselves_while_a_meeting_is_changing(
    client: Any, member: User, meetings: dict[str, Meeting]
) -> None:
    Meeting.objects.filter(pk=meetings["kickoff"].pk).update(next_attempt_at=timezone.now())
    client.force_login(member)
    html = page(client, q="kickoff")
    assert 'id="meeting-rows"' in html and 'hx-trigger="every 2s"' in html
    assert "q=kickoff" in re.search(r'hx-get="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    rows = client.get("/meetings/", {"q": "kickoff"}, headers={"HX-Request": "true"})
    assert "<html" not in rows.content.decode() and "Kickoff" in rows.content.decode()

    Meeting.objects.filter(pk=meetings["kickoff"].pk).update(
        state=MeetingState.INVITED, next_attempt_at=None, join_url="https://meet.jit.si/x"
    )
    settled = page(client, q="kickoff")
    assert 'hx-trigger="every 2s"' not in settled
    assert 'data-phase="scheduled">Scheduled<' in settled


def test_a_meeting_going_on_now_is_still_upcoming(client: Any, member: User) -> None:
    meeting("Going on", timezone.now() - timedelta(minutes=10), host=member)
    meeting("Just over", timezone.now() - timedelta(minutes=31), host=member)
    client.force_login(member)
    assert titles(client) == ["Going on"]
    assert titles(client, view="past") == ["Just over"]
