"""Launching an action from its page: choosing recipients, the preview before anything is
saved, and the launch itself, which lands on the run's page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction, Run
from convener.team.models import User
from tests.access.support import colleague
from tests.dates import at, winter_day

pytestmark = pytest.mark.django_db

DAY = winter_day()  # a Tuesday
DASH = "\N{EN DASH}"  # between the start and the end of a meeting
SMART = {
    "mode": "smart",
    "start": at(DAY, 9),
    "gap_minutes": 10,
    "window": {"from": "09:00", "to": "17:00"},
    "days": "weekdays",
    "per_host": True,
}


@pytest.fixture
def action(db: Any) -> MeetingAction:
    return MeetingAction.objects.create(
        name="Demo day",
        provider="jitsi",
        credentials="contact_owner",
        timing=SMART,
        timezone="Europe/Paris",
    )


def people(owner: User, count: int, zone: str = "America/New_York") -> list[Contact]:
    return [
        Contact.objects.create(
            email=f"lead{n}@{owner.username}.example",
            first_name=f"Lead{n}",
            last_name=owner.username.title(),
            timezone=zone,
            owner=owner,
        )
        for n in range(count)
    ]


@pytest.fixture
def signed_in(client: Any, member: User) -> Any:
    client.force_login(member)
    return client


def preview_of(client: Any, action: MeetingAction, **data: Any) -> str:
    response = client.post(f"/actions/{action.pk}/launch/", data)
    assert response.status_code == 200
    return str(response.content.decode())


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


def test_the_chooser_finds_only_contacts_the_person_may_edit(
    signed_in: Any, member: User, action: MeetingAction
) -> None:
    people(member, 2)
    people(colleague("mike"), 1)
    html = signed_in.get(f"/actions/{action.pk}/launch/?q=lead").content.decode()
    assert "Lead0 Ann" in html and "Lead1 Ann" in html
    assert "Lead0 Mike" not in html
    assert "All contacts I may edit (2)" in html


def test_the_preview_counts_lays_out_each_host_and_saves_nothing(
    signed_in: Any, member: User, action: MeetingAction
) -> None:
    ids = ",".join(str(c.pk) for c in people(member, 3))
    html = preview_of(signed_in, action, contact_ids=ids)
    assert 'data-figure="planned">3<' in html and 'data-figure="skipped">0<' in html
    assert "Launch 3 meetings" in html
    # Ann's zone is Europe/Berlin: the day of the plan, in her zone, with each meeting's
    # time there and in the contact's own zone.
    assert "Europe/Berlin" in html
    assert f"09:00{DASH}09:30</span> Ann Lee meets <strong>Lead0 Ann</strong>" in html
    assert "(03:00 in America/New_York)" in html
    assert f"09:40{DASH}10:10</span> Ann Lee meets <strong>Lead1 Ann</strong>" in html
    assert f"09:00 on {DAY:%a} {DAY.day} {DAY:%b} {DAY.year} in Europe/Berlin" in html
    assert "<svg" in html and 'class="slot"' in html
    assert not Meeting.objects.exists() and not Run.objects.exists()


def test_a_contact_seen_but_not_editable_is_skipped_with_the_reason(
    signed_in: Any, member: User, action: MeetingAction
) -> None:
    theirs = people(colleague("mike"), 1)[0]
    mine = people(member, 1)[0]
    html = preview_of(signed_in, action, contact_ids=f"{mine.pk}, {theirs.pk}")
    assert 'data-figure="planned">1<' in html and 'data-figure="skipped">1<' in html
    assert "Lead0 Mike" in html and "Changing another member" in html


def test_an_id_the_person_may_not_see_is_refused_next_to_the_list(
    signed_in: Any, action: MeetingAction
) -> None:
    response = signed_in.post(f"/actions/{action.pk}/launch/", {"contact_ids": "999999"})
    html = response.content.decode()
    assert 'data-field="contact_ids"' in html and "No contact with id 999999" in html
    response = signed_in.post(f"/actions/{action.pk}/launch/", {"contact_ids": "12, abc"})
    assert "“abc” is not a contact id" in response.content.decode()
    response = signed_in.post(f"/actions/{action.pk}/launch/", {"recipients": "chosen"})
    assert "Choose at least one contact" in response.content.decode()


def test_other_pages_may_post_ids_one_by_one_or_as_one_list_with_a_label(
    signed_in: Any, member: User, action: MeetingAction
) -> None:
    a, b, c = people(member, 3)
    repeated = preview_of(
        signed_in, action, contact_ids=[str(a.pk), str(b.pk)], label="Segment: VIP"
    )
    assert "Launch 2 meetings" in repeated and "Segment: VIP" in repeated
    listed = preview_of(signed_in, action, contact_ids=f"{a.pk} {b.pk};{c.pk}")
    assert "Launch 3 meetings" in listed


def test_launching_makes_a_run_and_a_double_submit_is_the_same_run(
    signed_in: Any, member: User, action: MeetingAction
) -> None:
    ids = ",".join(str(c.pk) for c in people(member, 3))
    html = preview_of(signed_in, action, contact_ids=ids)
    launch = {
        "recipients": "chosen",
        "contact_ids": hidden(html, "contact_ids"),
        "label": hidden(html, "label"),
        "occurrence": hidden(html, "occurrence"),
        "step": "launch",
    }
    first = signed_in.post(f"/actions/{action.pk}/launch/", launch)
    second = signed_in.post(f"/actions/{action.pk}/launch/", launch)
    run = Run.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/runs/{run.pk}/"
    assert (run.requested_by, run.action, run.label, run.trigger) == (
        member,
        action,
        "3 contacts",
        "bulk",
    )
    assert Meeting.objects.count() == 3 and run.meetings().count() == 3
    starts = sorted(m.local_start.strftime("%a %H:%M") for m in Meeting.objects.all())
    assert starts == [f"{DAY:%a} 09:00", f"{DAY:%a} 09:40", f"{DAY:%a} 10:20"]


def test_all_contacts_means_every_contact_the_person_may_edit(
    signed_in: Any, member: User, action: MeetingAction
) -> None:
    people(member, 2)
    people(colleague("mike"), 2)
    html = preview_of(signed_in, action, recipients="all")
    assert "Launch 2 meetings" in html and "All contacts I may edit" in html
    response = signed_in.post(
        f"/actions/{action.pk}/launch/",
        {"recipients": "all", "occurrence": hidden(html, "occurrence"), "step": "launch"},
    )
    assert response.status_code == 302
    assert set(Meeting.objects.values_list("contact__owner__username", flat=True)) == {"ann"}


def test_the_preview_warns_of_a_zoom_host_over_the_daily_quota(
    signed_in: Any, member: User
) -> None:
    Connection.objects.create(
        provider="zoom", level="user", user=member, account_email="ann@example.com"
    )
    action = MeetingAction.objects.create(
        name="Zoom wave", provider="zoom", credentials="contact_owner", timing={"mode": "immediate"}
    )
    Contact.objects.bulk_create(
        Contact(email=f"z{n}@example.org", owner=member) for n in range(120)
    )
    html = preview_of(signed_in, action, recipients="all")
    assert "Ann Lee: 120 meetings, more than Zoom&#x27;s 100 a day for one host" in html
    assert "take 2 days" in html


def test_the_preview_warns_of_contacts_whose_host_has_no_connection(
    signed_in: Any, member: User
) -> None:
    action = MeetingAction.objects.create(
        name="Teams", provider="microsoft_teams", credentials="contact_owner"
    )
    people(member, 2)
    html = preview_of(signed_in, action, recipients="all")
    assert "2 contacts skipped: no Microsoft Teams account can host this meeting" in html
    assert "Ann Lee&#x27;s account (the contact owner)" in html
    assert "Launch 0" not in html and "data-launch" not in html


def test_the_preview_warns_when_hosts_reach_the_actions_daily_cap(
    signed_in: Any, member: User, action: MeetingAction
) -> None:
    action.timing = {**SMART, "max_per_host_per_day": 2}
    action.save()
    people(member, 5)
    html = preview_of(signed_in, action, recipients="all")
    assert "Ann Lee reaches the cap of 2 meetings a day: 5 meetings run until" in html
    assert html.count('class="timeline-day"') == 3


def test_a_time_in_the_past_is_shown_in_words_in_the_viewers_zone(
    signed_in: Any, member: User
) -> None:
    action = MeetingAction.objects.create(
        name="Too late",
        timing={"mode": "fixed", "at": "2020-12-01T10:00"},
        timezone="Asia/Shanghai",
    )
    people(member, 1)
    html = preview_of(signed_in, action, recipients="all")
    # 10:00 in Shanghai is 03:00 in Berlin, Ann's zone.
    assert "Date in the past: 03:00 on Tue 1 Dec 2020 in Europe/Berlin" in html
    assert "2020-12-01T02:00:00+00:00" not in html


def test_an_action_that_no_longer_validates_cannot_be_launched(
    signed_in: Any, member: User
) -> None:
    action = MeetingAction.objects.create(name="Broken", title_template="{{ contact.gone }}")
    people(member, 1)
    html = preview_of(signed_in, action, recipients="all")
    assert "cannot be launched until it is corrected" in html
    assert "Unknown placeholder" in html or "unknown placeholder" in html
    response = signed_in.post(
        f"/actions/{action.pk}/launch/", {"recipients": "all", "step": "launch"}
    )
    assert response.status_code == 200 and not Run.objects.exists()
