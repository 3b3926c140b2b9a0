"""A visitor moves through the whole horizon a week at a time: links that work without
script, an empty week that leads to the first week with a free time, the plain word when
there is no free time at all, and a clear answer (never an error) for a week past the
horizon or one that is not a date. Only the week shown is computed.

The clock stands still on a Tuesday at 07:00 in New York (12:00 UTC), in winter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any

import pytest
import time_machine
from django.test import Client

from convener.booking import availability, slots
from convener.booking.models import BookingPage
from convener.team.models import User
from tests.booking.support import book_slot, intro_page, slots_shown
from tests.dates import utc, winter_day

pytestmark = pytest.mark.django_db

TODAY = winter_day()  # a Tuesday
NOW = utc(TODAY, 12)
KOLKATA = "Asia/Kolkata"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def week_page(client: Client, page: BookingPage, **query: str) -> tuple[int, str]:
    answer = client.get(f"/b/{page.slug}/", {"tz": KOLKATA, **query})
    return answer.status_code, answer.content.decode()


def link(html: str, marker: str) -> str | None:
    """The address of the link carrying `marker`, as the browser follows it."""
    tag = re.search(rf"<a\b[^>]*\b{marker}\b[^>]*>", html)
    if tag is None:
        return None
    return unescape(re.search(r'href="([^"]+)"', tag.group(0)).group(1))  # type: ignore[union-attr]


def kolkata_midnight(day: date) -> datetime:
    return utc(day, 0) - timedelta(hours=5, minutes=30)


def test_the_page_shows_one_week_and_walks_the_horizon_week_by_week(
    client: Client, member: User
) -> None:
    page = intro_page(member, horizon_days=60)
    every = list(availability.free_times(page, 30).starts)  # the whole horizon at once

    status, html = week_page(client, page)

    assert status == 200 and link(html, "data-week-previous") is None  # nothing before today
    seen: list[datetime] = []
    first = TODAY
    while True:
        shown = slots_shown(html)
        # The seven days of Kolkata from `first`, and nothing else.
        low, high = kolkata_midnight(first), kolkata_midnight(first + timedelta(days=7))
        assert shown and all(low <= at < high for at in shown)
        assert f'data-week="{first}"' in html
        seen += shown
        following = link(html, "data-week-next")
        if following is None:
            break
        assert following.endswith(f"week={first + timedelta(days=7)}")
        answer = client.get(f"/b/{page.slug}/{following}")
        assert answer.status_code == 200
        html = answer.content.decode()
        assert link(html, "data-week-previous") == f"?tz=Asia%2FKolkata&d=30&week={first}"
        first += timedelta(days=7)
    # Every free time of the 60 days is reached, once, and nothing past the horizon.
    assert seen == every and first == TODAY + timedelta(days=56)


def test_the_next_week_link_keeps_the_zone_and_duration_and_works_as_a_plain_link(
    client: Client, member: User
) -> None:
    page = intro_page(member, horizon_days=60, durations=[30, 60])
    _, html = week_page(client, page, d="60")

    following = link(html, "data-week-next")

    assert following == f"?tz=Asia%2FKolkata&d=60&week={TODAY + timedelta(days=7)}"
    answer = client.get(f"/b/{page.slug}/{following}").content.decode()
    # New York's Monday afternoon is already Tuesday in Kolkata: from 19:00 UTC (00:30
    # there), on the hour, as the hour-long times are.
    assert min(slots_shown(answer)) == utc(TODAY + timedelta(days=6), 19)
    assert f'name="week" value="{TODAY + timedelta(days=7)}"' in answer  # kept on a zone change


def test_an_empty_week_leads_to_the_first_week_with_a_free_time(
    client: Client, member: User
) -> None:
    days_off: list[list[str]] = []
    away = {(TODAY + timedelta(days=n)).isoformat(): days_off for n in range(20)}
    page = intro_page(member, horizon_days=60, overrides=away)
    back = TODAY + timedelta(days=20)  # a Monday

    # Asked for no week: the first week with a free time is shown straight away.
    _, landing = week_page(client, page)
    assert min(slots_shown(landing)) == utc(back, 14)
    assert f'data-week="{back}"' in landing

    # Asked for this week: said empty, with the way to the first free time.
    status, html = week_page(client, page, week=TODAY.isoformat())
    assert status == 200 and "data-no-times" in html and not slots_shown(html)
    assert "No free times from" in html
    assert link(html, "data-first-free") == f"?tz=Asia%2FKolkata&d=30&week={back}"
    assert "Go to the next free time" in html

    # A week after the last free time leads back to it.
    late = intro_page(
        member,
        horizon_days=60,
        overrides={(TODAY + timedelta(days=n)).isoformat(): [] for n in range(1, 61)},
    )
    _, html = week_page(client, late, week=(TODAY + timedelta(days=28)).isoformat())
    assert link(html, "data-first-free") == f"?tz=Asia%2FKolkata&d=30&week={TODAY}"
    assert "Go back to the first free time" in html


def test_no_free_time_within_the_horizon_is_said_plainly(client: Client, member: User) -> None:
    page = intro_page(member, horizon_days=60, weekly={})

    status, html = week_page(client, page)

    assert status == 200
    assert "data-no-times-at-all" in html
    assert "There are no free times in the next 60 days" in html
    assert link(html, "data-first-free") is None


@pytest.mark.parametrize(
    ("week", "status", "said"),
    [
        ("2030-13-45", 400, "is not a date"),
        ("next", 400, "is not a date"),
        ("x" * 5000, 400, "is not a date"),
        ("9999-12-31", 404, "up to 60 days ahead"),
        ((TODAY + timedelta(days=61)).isoformat(), 404, "up to 60 days ahead"),
    ],
)
def test_a_week_that_cannot_be_shown_gets_a_clear_answer(
    client: Client, member: User, week: str, status: int, said: str
) -> None:
    page = intro_page(member, horizon_days=60)
    booking = book_slot(client, page, utc(TODAY + timedelta(days=1), 15))
    manage = booking["Location"].replace("/b/booked/", "/b/manage/")

    for address in (f"/b/{page.slug}/", manage):
        answer = client.get(address, {"tz": KOLKATA, "week": week})
        html = answer.content.decode()
        assert answer.status_code == status, address
        assert said in html and "data-notice" in html
        # The coming days are shown in its place.
        assert min(slots_shown(html)) < utc(TODAY + timedelta(days=7), 0)


def test_a_week_already_past_shows_from_today(client: Client, member: User) -> None:
    page = intro_page(member, horizon_days=60)

    status, html = week_page(client, page, week="0001-01-01")

    assert status == 200 and f'data-week="{TODAY}"' in html


def test_only_the_week_shown_is_computed(
    client: Client, member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = intro_page(member, horizon_days=400)
    spans: list[Any] = []
    computed = slots.candidates

    def recording(*args: Any) -> list[slots.Candidate]:
        spans.append(args[3] if len(args) > 3 else None)
        return computed(*args)

    monkeypatch.setattr(slots, "candidates", recording)

    week_page(client, page, week=(TODAY + timedelta(days=140)).isoformat())

    assert spans and all(s is not None and s[1] - s[0] <= timedelta(days=7, hours=1) for s in spans)
