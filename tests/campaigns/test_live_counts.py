"""The builder's counts as its script reads them while a campaign runs, with a controlled
clock: the JSON moves as the worker runs steps, and the page keeps drawing the same
numbers itself for a browser without JavaScript."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from convener.campaigns import engine, runner
from convener.team.models import User
from tests.campaigns.support import campaign, field_update
from tests.dates import utc, winter_day
from tests.segments.support import acme_contacts

pytestmark = pytest.mark.django_db

NOW = utc(winter_day(), 8)


def test_the_counts_move_as_the_worker_runs_steps(logged_in: Client, member: User) -> None:
    people = acme_contacts(member, "Ann", "Bea", "Cem")
    journey = campaign(member)
    first = field_update(journey, "a", "1")
    later = field_update(journey, "b", "2", parent=first, days=1)
    engine.enter(journey, [p.pk for p in people], how="API", now=NOW)
    url = f"/campaigns/{journey.pk}/counts/"

    before = logged_in.get(url)
    assert before.status_code == 200
    assert "no-cache" in before["Cache-Control"]  # a poll must never be answered from a cache
    assert before.json() == {"events": {str(first.pk): {"pending": 3, "done": 0, "failed": 0}}}

    runner.run_due(NOW)
    assert logged_in.get(url).json()["events"] == {
        str(first.pk): {"pending": 0, "done": 3, "failed": 0},
        str(later.pk): {"pending": 3, "done": 0, "failed": 0},
    }
    runner.run_due(NOW + timedelta(days=1))
    assert logged_in.get(url).json()["events"][str(later.pk)]["done"] == 3


def test_the_builder_draws_the_numbers_itself_and_names_where_the_script_reads_them(
    logged_in: Client, member: User
) -> None:
    (ann,) = acme_contacts(member, "Ann")
    journey = campaign(member)
    step = field_update(journey, "a", "1")
    engine.enter(journey, [ann.pk], how="API", now=NOW)
    page = logged_in.get(f"/campaigns/{journey.pk}/").content.decode()
    assert f'data-counts-url="/campaigns/{journey.pk}/counts/"' in page
    assert f'data-counts-of="{step.pk}"' in page
    assert "<span data-number>1</span> pending" in page
    assert "campaigns/live_counts.js" in page


def test_someone_signed_out_is_sent_to_the_login_page(client: Client, member: User) -> None:
    journey = campaign(member)
    answer = client.get(f"/campaigns/{journey.pk}/counts/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
