"""The host's settings page: plain words in, every mistake said next to its field with
what was typed kept, and the page's link to copy."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from convener.booking.models import BookingPage
from convener.team.models import User

pytestmark = pytest.mark.django_db


def settings(**changes: str) -> dict[str, Any]:
    return {
        "title": "Intro call",
        "published": "on",
        "kind": "personal",
        "durations": "30, 60",
        "provider": "jitsi",
        "timezone": "America/New_York",
        "buffer_before": "10",
        "buffer_after": "5",
        "minimum_notice": "120",
        "horizon_days": "60",
        "max_per_day": "4",
        "day_0": "09:00-12:00, 13:00-17:00",
        "day_4": "9-12",
        "overrides": "2030-12-24: 09:00-12:00\n2030-12-25: off",
        "questions": "What would you like to discuss? *\nYour company",
        **changes,
    }


def test_a_host_makes_a_page_in_plain_words(logged_in: Client, member: User) -> None:
    answer = logged_in.post("/booking-pages/new/", settings())

    assert answer.status_code == 302
    page = BookingPage.objects.get()
    assert page.owner == member and page.durations == [30, 60]
    assert page.weekly["0"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert page.weekly["4"] == [["09:00", "12:00"]] and page.weekly["5"] == []
    assert page.overrides == {"2030-12-24": [["09:00", "12:00"]], "2030-12-25": []}
    assert page.questions == [
        {"label": "What would you like to discuss?", "required": True},
        {"label": "Your company", "required": False},
    ]
    shown = logged_in.get(answer["Location"]).content.decode()
    assert f"/b/{page.slug}/" in shown and "Copy the link" in shown
    assert 'value="09:00-12:00, 13:00-17:00"' in shown


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("day_0", "9 to 5", "is not a range of hours"),
        ("day_0", "17:00-09:00", "ends before it starts"),
        ("day_0", "09:10-10:00", "on the quarter hour"),
        ("day_0", "09:00-12:00, 11:00-13:00", "overlap"),
        ("durations", "20", "whole quarter hours"),
        ("durations", "", "This field is required"),
        ("overrides", "24/12: off", "is not a date"),
        ("timezone", "EST", "America/New_York"),
    ],
)
def test_a_mistake_is_said_next_to_its_field_and_nothing_typed_is_lost(
    logged_in: Client, field: str, typed: str, said: str
) -> None:
    answer = logged_in.post("/booking-pages/new/", settings(**{field: typed}))

    html = answer.content.decode()
    assert answer.status_code == 200 and not BookingPage.objects.exists()
    error = html.split(f'data-field="{field}"', 1)[1].split("</ul>", 1)[0]
    assert said in error
    assert 'value="Intro call"' in html


def test_a_team_page_needs_its_hosts(logged_in: Client) -> None:
    answer = logged_in.post("/booking-pages/new/", settings(kind="round_robin"))

    assert 'data-field="hosts"' in answer.content.decode()
    assert not BookingPage.objects.exists()
