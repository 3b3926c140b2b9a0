"""The campaign pages as a marketing user uses them: make a campaign, add a source and
steps in place, read the counts and the contacts behind them, and see a contact's
campaigns on their page."""

from __future__ import annotations

import pytest
from django.test import Client

from convener.campaigns import runner
from convener.campaigns.models import Campaign, Event, EventType, Source
from convener.team.models import User
from tests.access.support import colleague
from tests.segments.support import acme_contacts, acme_segment, jitsi_action

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def make(client: Client) -> Campaign:
    answer = client.post(
        "/campaigns/new/",
        {"name": "Demo follow-up", "timezone": "Europe/Berlin", "published": "on"},
    )
    assert answer.status_code == 302, answer.content
    return Campaign.objects.get(name="Demo follow-up")


def test_a_campaign_built_in_place_runs_and_shows_its_counts(
    logged_in: Client, member: User
) -> None:
    ann, bea = acme_contacts(member, "Ann", "Bea")
    campaign = make(logged_in)
    segment = acme_segment(member)
    assert (
        logged_in.post(
            f"/campaigns/{campaign.pk}/sources/new/", {"kind": "segment", "segment": segment.pk}
        ).status_code
        == 302
    )
    editor = logged_in.get(f"/campaigns/{campaign.pk}/events/new/?kind=action", headers=HTMX)
    assert b"data-event-form" in editor.content and b"<html" not in editor.content
    action = jitsi_action()
    added = logged_in.post(
        f"/campaigns/{campaign.pk}/events/new/",
        {
            "kind": "action",
            "type": "meeting",
            "timing": "immediate",
            "action": action.pk,
            "delay_unit": "days",
        },
        headers=HTMX,
    )
    assert added.headers["HX-Redirect"] == f"/campaigns/{campaign.pk}/"
    meeting = Event.objects.get(type=EventType.MEETING)
    runner.tick()
    page = logged_in.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Segment: Acme people" in page
    assert "<span data-number>2</span> done" in page
    assert "<span data-number>0</span> failed" in page
    listed = logged_in.get(f"/campaigns/events/{meeting.pk}/contacts/?state=done").content.decode()
    assert ann.email in listed and bea.email in listed
    contact_page = logged_in.get(f"/contacts/{ann.pk}/").content.decode()
    assert "Demo follow-up" in contact_page and "Meeting scheduled" in contact_page


def test_a_step_missing_its_setting_is_refused_next_to_the_field(logged_in: Client) -> None:
    campaign = make(logged_in)
    answer = logged_in.post(
        f"/campaigns/{campaign.pk}/events/new/",
        {"kind": "action", "type": "send_webhook", "timing": "delay", "delay_unit": "days"},
        headers=HTMX,
    )
    body = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-field="url"' in body and "Webhook address is needed" in body
    assert 'data-field="delay_amount"' in body and "How long is the delay?" in body
    assert not Event.objects.exists()


def test_a_condition_gets_yes_and_no_branches_and_removing_it_removes_them(
    logged_in: Client,
) -> None:
    campaign = make(logged_in)
    logged_in.post(
        f"/campaigns/{campaign.pk}/events/new/",
        {
            "kind": "condition",
            "type": "field_value",
            "field": "company",
            "op": "equals",
            "value": "Acme",
            "timing": "immediate",
            "delay_unit": "days",
        },
    )
    condition = Event.objects.get()
    logged_in.post(
        f"/campaigns/{campaign.pk}/events/new/",
        {
            "kind": "action",
            "parent": condition.pk,
            "branch": "no",
            "type": "notify_owner",
            "timing": "immediate",
            "delay_unit": "days",
        },
    )
    no = Event.objects.get(parent=condition)
    assert no.branch == "no"
    page = logged_in.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Yes" in page and "No" in page
    logged_in.post(f"/campaigns/events/{condition.pk}/delete/")
    assert set(Event.objects.values_list("removed", flat=True)) == {True}


def test_only_the_owner_changes_a_campaign_but_every_member_sees_it(
    client: Client, member: User
) -> None:
    client.force_login(member)
    campaign = make(client)
    other = colleague()
    client.force_login(other)
    assert client.get("/campaigns/").status_code == 200
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 200
    assert client.get(f"/campaigns/{campaign.pk}/settings/").status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/delete/").status_code == 403


def test_a_source_without_its_segment_is_refused(logged_in: Client) -> None:
    campaign = make(logged_in)
    answer = logged_in.post(f"/campaigns/{campaign.pk}/sources/new/", {"kind": "segment"})
    assert "Choose the segment" in answer.content.decode()
    assert not Source.objects.exists()


def test_an_unknown_time_zone_is_named(logged_in: Client) -> None:
    answer = logged_in.post("/campaigns/new/", {"name": "X", "timezone": "Mars/Base"})
    assert answer.status_code == 200
    assert 'data-field="timezone"' in answer.content.decode()


def test_a_webhook_steps_signing_secret_is_never_drawn_back_and_kept_unless_replaced(
    logged_in: Client,
) -> None:
    campaign = make(logged_in)
    fields = {
        "kind": "action",
        "type": "send_webhook",
        "url": "https://crm.example.org/hooks/convener",
        "timing": "immediate",
        "delay_unit": "days",
    }
    logged_in.post(
        f"/campaigns/{campaign.pk}/events/new/", {**fields, "secret": "whsec-first-7f3a9"}
    )
    step = Event.objects.get(type=EventType.SEND_WEBHOOK)
    editor = logged_in.get(f"/campaigns/events/{step.pk}/", headers=HTMX).content.decode()
    assert "whsec-first-7f3a9" not in editor
    assert 'type="password"' in editor

    # Saved again without typing a secret (a changed address): the saved secret stays.
    logged_in.post(
        f"/campaigns/events/{step.pk}/",
        {**fields, "url": "https://crm.example.org/hooks/v2", "secret": ""},
    )
    step.refresh_from_db()
    assert step.settings["url"] == "https://crm.example.org/hooks/v2"
    assert step.settings["secret"] == "whsec-first-7f3a9"

    logged_in.post(f"/campaigns/events/{step.pk}/", {**fields, "secret": "whsec-second-1c2d"})
    step.refresh_from_db()
    assert step.settings["secret"] == "whsec-second-1c2d"
