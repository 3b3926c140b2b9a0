"""The profile page as a member uses it: their details and zone, their API tokens (the
secret shown once), and the one-time offer of the browser's zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import timezone

from convener.team.models import ApiToken, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Any, member: User) -> Any:
    client.force_login(member)
    return client


def test_the_profile_saves_name_email_and_zone_and_counts_as_choosing_it(
    signed_in: Any, member: User
) -> None:
    answer = signed_in.post(
        "/profile/",
        {
            "first_name": "Annie",
            "last_name": "Lee",
            "email": "annie@example.com",
            "timezone": "Asia/Tokyo",
        },
    )
    assert answer.status_code == 302
    member.refresh_from_db()
    assert (member.first_name, member.email, member.timezone) == (
        "Annie",
        "annie@example.com",
        "Asia/Tokyo",
    )
    assert member.timezone_chosen
    assert "Times are shown in Asia/Tokyo" in signed_in.get("/profile/").content.decode()


def test_an_abbreviation_on_the_profile_is_refused_and_nothing_is_changed(
    signed_in: Any, member: User
) -> None:
    answer = signed_in.post(
        "/profile/", {"first_name": "X", "email": "ann@example.com", "timezone": "CET"}
    )
    page = answer.content.decode()
    assert answer.status_code == 200
    assert "CET is an abbreviation, not a place; use a city zone such as Europe/Paris" in page
    member.refresh_from_db()
    assert (member.first_name, member.timezone) == ("Ann", "Europe/Berlin")


def test_a_new_token_is_shown_once_works_and_is_listed_without_its_secret(
    signed_in: Any, client: Any
) -> None:
    answer = signed_in.post("/profile/tokens/", {"name": "CRM sync"})
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    secret = re.search(r'value="(cnv_[^"]+)"', answer.content.decode())
    assert secret is not None
    token = ApiToken.objects.get(name="CRM sync")
    assert secret.group(1) not in token.digest

    later = signed_in.get("/profile/").content.decode()
    assert "CRM sync" in later and token.prefix in later
    assert secret.group(1) not in later

    api = client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {secret.group(1)}"})
    assert api.status_code == 200


def test_a_token_needs_a_name(signed_in: Any) -> None:
    answer = signed_in.post("/profile/tokens/", {"name": "   "})
    assert "Give the token a name." in answer.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_and_then_the_token_stops_working(
    signed_in: Any, client: Any, member: User
) -> None:
    token, secret = ApiToken.issue(member, "Zapier")
    confirm = signed_in.get(f"/profile/tokens/{token.pk}/revoke/").content.decode()
    assert "Revoke the token “Zapier”?" in confirm
    assert ApiToken.objects.filter(pk=token.pk).exists()

    answer = signed_in.post(f"/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "Revoked the token “Zapier”" in answer.content.decode()
    client.logout()
    api = client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401


def test_another_members_token_is_not_found_even_by_an_administrator(
    client: Any, member: User
) -> None:
    token, _ = ApiToken.issue(member, "Ann's")
    admin = User.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    assert client.get(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/profile/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_the_browsers_zone_is_offered_until_the_member_answers(
    signed_in: Any, member: User
) -> None:
    assert "data-zone-offer" in signed_in.get("/contacts/").content.decode()
    answer = signed_in.post(
        "/profile/timezone/", {"choice": "use", "timezone": "Europe/Paris", "next": "/meetings/"}
    )
    assert answer["Location"] == "/meetings/"
    member.refresh_from_db()
    assert (member.timezone, member.timezone_chosen) == ("Europe/Paris", True)
    assert "data-zone-offer" not in signed_in.get("/contacts/").content.decode()


def test_keeping_the_zone_stops_the_offer_and_changes_nothing(signed_in: Any, member: User) -> None:
    signed_in.post("/profile/timezone/", {"choice": "keep", "timezone": "Europe/Paris"})
    member.refresh_from_db()
    assert (member.timezone, member.timezone_chosen) == ("Europe/Berlin", True)


def test_a_browser_zone_that_is_no_city_is_refused_and_the_offer_stays(
    signed_in: Any, member: User
) -> None:
    answer = signed_in.post(
        "/profile/timezone/",
        {"choice": "use", "timezone": "EST", "next": "https://elsewhere.example/"},
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == "/profile/"  # never to another site
    assert "use a city zone such as America/New_York" in answer.content.decode()
    member.refresh_from_db()
    assert (member.timezone, member.timezone_chosen) == ("Europe/Berlin", False)


@pytest.mark.parametrize(
    ("viewer", "shown"), [("Europe/Paris", "(16:00 Asia/Shanghai)"), ("Asia/Shanghai", "")]
)
def test_a_list_shows_the_meetings_own_time_when_its_zone_is_not_the_viewers(
    viewer: str, shown: str
) -> None:
    template = Template("{% load convener %}{% own_zone_time start zone %}")
    start = datetime(2030, 1, 15, 8, tzinfo=UTC)
    with timezone.override(viewer):
        html = template.render(Context({"start": start, "zone": "Asia/Shanghai"}))
    if shown:
        assert shown in html
    else:
        assert html.strip() == ""


def test_a_token_made_with_htmx_answers_only_the_tokens_section(signed_in: Any) -> None:
    answer = signed_in.post("/profile/tokens/", {"name": "Zap"}, headers={"HX-Request": "true"})
    html = answer.content.decode()
    assert '<section class="card" aria-labelledby="tokens-title" id="tokens">' in html
    assert "<html" not in html and "Your new token “Zap”" in html
    assert "no-store" in answer["Cache-Control"]
