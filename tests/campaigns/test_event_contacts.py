"""The contacts behind a count on the builder, with a controlled clock: page by page with
the total, the state chosen kept from page to page, and the whole list as a CSV that
streams, its cells never run as formulas."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any, cast

import pytest
from django.http import StreamingHttpResponse
from django.test import Client

from convener.campaigns import engine, runner
from convener.campaigns.models import Event, Step, StepState
from convener.campaigns.views import event_contacts
from convener.crm.models import Contact
from convener.team.models import User
from tests.access.support import colleague, without
from tests.campaigns.support import campaign, field_update
from tests.dates import utc, winter_day

pytestmark = pytest.mark.django_db

NOW = utc(winter_day(), 8)
AUDIENCE = 120


def went_through(owner: User) -> Event:
    """AUDIENCE contacts done at an immediate step, waiting at a delayed one below."""
    Contact.objects.bulk_create(
        [
            Contact(email=f"p{n:03}@client.example", first_name=f"P{n:03}", owner=owner)
            for n in range(AUDIENCE)
        ]
    )
    journey = campaign(owner)
    first = field_update(journey, "stage", "warm")
    field_update(journey, "stage", "hot", parent=first, days=3)
    engine.enter(journey, list(Contact.objects.values_list("pk", flat=True)), how="API", now=NOW)
    runner.run_due(NOW)
    return first


def emails(html: str) -> list[str]:
    return re.findall(r'data-step-contact="([^"]+)"', html)


def test_the_list_goes_page_by_page_with_the_total_and_keeps_its_state(
    logged_in: Client, member: User
) -> None:
    first = went_through(member)
    Step.objects.filter(event=first, contact__email="p007@client.example").update(
        state=StepState.FAILED, result="The webhook refused it (410)"
    )
    url = f"/campaigns/events/{first.pk}/contacts/"

    one = logged_in.get(f"{url}?state=done").content.decode()
    assert "119 contacts done, 1\N{EN DASH}50 shown" in one
    assert "Done (119)" in one and "Failed (1)" in one and "Pending (0)" in one
    assert len(emails(one)) == event_contacts.PAGE_SIZE
    assert 'href="?state=done&amp;page=2"' in one  # the next page keeps the state

    last = logged_in.get(f"{url}?state=done&page=3").content.decode()
    assert len(emails(last)) == AUDIENCE - 1 - 2 * event_contacts.PAGE_SIZE
    assert "p007@client.example" not in last and "p119@client.example" in last
    seen = {
        e
        for n in (1, 2, 3)
        for e in emails(logged_in.get(f"{url}?state=done&page={n}").content.decode())
    }
    assert len(seen) == AUDIENCE - 1  # each contact once over the pages

    failed = logged_in.get(f"{url}?state=failed").content.decode()
    assert emails(failed) == ["p007@client.example"] and "refused it (410)" in failed
    # A page past the end shows the last one; an unknown state, the pending contacts.
    assert emails(logged_in.get(f"{url}?state=done&page=99").content.decode()) == emails(last)
    assert "No contact is pending" in logged_in.get(f"{url}?state=nonsense").content.decode()


def read_csv(answer: Any) -> list[list[str]]:
    assert isinstance(answer, StreamingHttpResponse)
    text = b"".join(cast("Iterator[bytes]", answer.streaming_content)).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_streams_the_whole_list_in_chunks(
    logged_in: Client, member: User, monkeypatch: Any
) -> None:
    first = went_through(member)
    Contact.objects.filter(email="p003@client.example").update(first_name="=HYPERLINK(1)")
    monkeypatch.setattr(event_contacts, "EXPORT_CHUNK", 7)  # many round trips, none lost

    answer = logged_in.get(f"/campaigns/events/{first.pk}/contacts.csv?state=done")
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer["Content-Disposition"]
    header, *rows = read_csv(answer)
    assert header[:4] == ["Email", "First name", "Last name", "State"]
    assert len(rows) == AUDIENCE
    assert {r[0] for r in rows} == set(Contact.objects.values_list("email", flat=True))
    assert {r[3] for r in rows} == {"Done"}
    assert "'=HYPERLINK(1)" in {r[1] for r in rows}  # a spreadsheet shows it, never runs it
    done = dict(zip(header, rows[0], strict=True))
    assert done["Result"] == "stage set to warm"
    assert done["Tries"] == "0"

    pending = read_csv(logged_in.get(f"/campaigns/events/{first.pk}/contacts.csv"))
    assert pending[1:] == []  # nobody is waiting at the first step any more


def test_each_person_lists_only_the_contacts_they_may_see(client: Client, member: User) -> None:
    first = went_through(member)
    mike = colleague()
    without(mike, "team.view_others_contacts")
    Contact.objects.create(email="own@client.example", owner=mike)
    engine.enter(first.campaign, [Contact.objects.get(owner=mike).pk], how="API", now=NOW)
    runner.run_due(NOW)
    client.force_login(mike)
    page = client.get(f"/campaigns/events/{first.pk}/contacts/?state=done").content.decode()
    assert "1 contact done" in page and emails(page) == ["own@client.example"]
    rows = read_csv(client.get(f"/campaigns/events/{first.pk}/contacts.csv?state=done"))[1:]
    assert [r[0] for r in rows] == ["own@client.example"]
