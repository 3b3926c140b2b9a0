"""The segment pages as a person uses them: the rule builder's buttons, its errors next to
the condition at fault, the live count, static members, and the schedule dialog."""

from __future__ import annotations

import re
from typing import Any

import pytest

from convener.meetings.models import Meeting, Run
from convener.segments.models import Segment, SegmentMember
from tests.access.support import colleague
from tests.segments.support import acme_contacts, acme_segment, jitsi_action

pytestmark = pytest.mark.django_db

ACME_FORM = {
    "name": "Acme buyers",
    "kind": "dynamic",
    "timezone": "Europe/Paris",
    "g0c0-was": "company",
    "g0c0-field": "company",
    "g0c0-operator": "is",
    "g0c0-value": "Acme",
}


def text(response: Any) -> str:
    """The page's text without tags, spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_a_new_segment_starts_with_one_condition_in_the_members_zone(
    client: Any, member: Any
) -> None:
    client.force_login(member)
    html = client.get("/segments/new/").content.decode()
    assert 'name="g0c0-field"' in html
    assert 'name="g0c1-field"' not in html
    assert 'value="Europe/Berlin"' in html  # the member's own zone


def test_the_builder_buttons_add_and_remove_conditions_and_groups(client: Any, member: Any) -> None:
    client.force_login(member)
    added = client.post("/segments/new/", {**ACME_FORM, "builder": "add-condition:0"})
    assert added.headers["HX-Trigger-After-Settle"] == "rules-changed"
    html = added.content.decode()
    assert 'name="g0c1-field"' in html
    assert not Segment.objects.exists()  # a button saves nothing
    grouped = client.post("/segments/new/", {**ACME_FORM, "builder": "add-group"})
    assert 'name="g1c0-field"' in grouped.content.decode()
    assert "Or contacts matching all of" in text(grouped)
    removed = client.post("/segments/new/", {**ACME_FORM, "builder": "remove:0:0"})
    # The last condition removed: a fresh one takes its place.
    assert 'value="Acme"' not in removed.content.decode()


def test_a_new_field_starts_the_row_again(client: Any, member: Any) -> None:
    client.force_login(member)
    form = {**ACME_FORM, "g0c0-field": "created_at", "builder": "refresh"}
    html = client.post("/segments/new/", form).content.decode()
    assert '<option value="on" selected>is on</option>' in html
    assert 'type="date"' in html
    assert 'value="Acme"' not in html


def test_the_live_count_says_how_many_match_or_what_is_missing(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann", "Bea")
    client.force_login(member)
    counted = client.post("/segments/count/", ACME_FORM)
    assert text(counted) == "2 contacts match now"
    missing = client.post("/segments/count/", {**ACME_FORM, "g0c0-value": ""})
    assert "Group 1, condition 1 (Company is): give a value." in text(missing)
    static = client.post("/segments/count/", {**ACME_FORM, "kind": "static"})
    assert static.content == b""


def test_saving_shows_each_error_next_to_its_condition(client: Any, member: Any) -> None:
    client.force_login(member)
    form = {
        **ACME_FORM,
        "g0c1-was": "created_at",
        "g0c1-field": "created_at",
        "g0c1-operator": "after",
        "g0c1-value": "soon",
    }
    response = client.post("/segments/new/", form)
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index('data-rule="g0c1-"') :]
    assert "Group 1, condition 2 (Created is after): “soon” is not a date" in row
    assert 'value="Acme"' in html  # what was typed stays
    assert not Segment.objects.exists()


def test_a_saved_segment_shows_its_rules_count_and_members(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann", "Bea")
    client.force_login(member)
    response = client.post("/segments/new/", ACME_FORM)
    segment = Segment.objects.get()
    assert response.headers["Location"] == f"/segments/{segment.pk}/"
    assert segment.owner == member
    assert segment.timezone == "Europe/Paris"
    page = text(client.get(response.headers["Location"]))
    assert "Company is “Acme”" in page
    assert "2 contacts match now" in page
    assert "Ann" in page and "Bea" in page
    assert "Schedule meetings for this segment" in page


def test_the_list_counts_each_segment_after_the_page(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann")
    segment = acme_segment(member)
    client.force_login(member)
    listed = client.get("/segments/").content.decode()
    assert f'hx-get="/segments/{segment.pk}/count/"' in listed
    assert text(client.get(f"/segments/{segment.pk}/count/")) == "1"


def test_another_members_segment_can_be_seen_but_not_changed(client: Any, member: Any) -> None:
    segment = acme_segment(member)
    mike = colleague("mike")
    client.force_login(mike)
    page = client.get(f"/segments/{segment.pk}/").content.decode()
    assert f"/segments/{segment.pk}/edit/" not in page
    refused = client.get(f"/segments/{segment.pk}/edit/")
    assert refused.status_code == 403
    assert "Only its owner and administrators change a segment." in text(refused)


def test_static_members_are_found_added_and_removed(client: Any, member: Any) -> None:
    ann, bea = acme_contacts(member, "Ann", "Bea")
    segment = Segment.objects.create(name="Picked", kind="static", owner=member)
    client.force_login(member)
    found = client.get(f"/segments/{segment.pk}/members/search/?q=ann")
    assert "Add Ann" in found.content.decode() and "Bea" not in text(found)
    client.post(f"/segments/{segment.pk}/members/add/", {"contact": [ann.pk, bea.pk]})
    assert set(SegmentMember.objects.values_list("contact_id", flat=True)) == {ann.pk, bea.pk}
    again = client.get(f"/segments/{segment.pk}/members/search/?q=ann")
    assert "No contact outside the segment matches" in text(again)
    response = client.post(
        f"/segments/{segment.pk}/members/remove/", {"contact": ann.pk}, follow=True
    )
    assert "Removed Ann from “Picked”." in text(response)
    assert list(SegmentMember.objects.values_list("contact_id", flat=True)) == [bea.pk]


def test_the_schedule_dialog_launches_the_action_and_links_the_run(
    client: Any, member: Any
) -> None:
    acme_contacts(member, "Ann", "Bea")
    segment = acme_segment(member)
    action = jitsi_action("Renewal call")
    client.force_login(member)
    dialog = client.get(f"/segments/{segment.pk}/schedule/")
    assert "A meeting for each of the 2 members you may schedule for" in text(dialog)
    assert "Renewal call" in dialog.content.decode()
    form = {"action": action.pk, "occurrence": "dialog-1", "browser_timezone": "Europe/Paris"}
    done = client.post(f"/segments/{segment.pk}/schedule/", form)
    run = Run.objects.get()
    assert "Scheduled 2 meetings for “Acme people”." in text(done)
    assert f'href="/runs/{run.pk}/"' in done.content.decode()
    assert Meeting.objects.filter(trigger="segment", trigger_source=str(segment.pk)).count() == 2
    # The same dialog sent twice (a double click) makes nothing more.
    twice = client.post(f"/segments/{segment.pk}/schedule/", form)
    assert "No new meeting was needed." in text(twice)
    assert "2 members already had a meeting from this launch." in text(twice)
    assert Meeting.objects.count() == 2


def test_the_dialog_names_the_members_that_will_be_skipped(client: Any, member: Any) -> None:
    mike = colleague("mike")
    acme_contacts(member, "Ann")
    acme_contacts(mike, "Tom")
    segment = acme_segment(member)
    client.force_login(member)
    dialog = text(client.get(f"/segments/{segment.pk}/schedule/"))
    assert "A meeting for each of the 1 member you may schedule for" in dialog
    assert "1 other member you may see but not change will be skipped." in dialog
    done = client.post(
        f"/segments/{segment.pk}/schedule/", {"action": jitsi_action().pk, "occurrence": "x"}
    )
    assert "1 contact skipped" in text(done)


def test_choosing_no_action_is_an_error_next_to_the_field(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann")
    segment = acme_segment(member)
    jitsi_action()
    client.force_login(member)
    response = client.post(f"/segments/{segment.pk}/schedule/", {"occurrence": "x"})
    assert 'data-field="action"' in response.content.decode()
    assert not Meeting.objects.exists()


def test_deleting_keeps_the_contacts_and_their_meetings(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann")
    segment = acme_segment(member)
    client.force_login(member)
    client.post(
        f"/segments/{segment.pk}/schedule/", {"action": jitsi_action().pk, "occurrence": "x"}
    )
    response = client.post(f"/segments/{segment.pk}/delete/", follow=True)
    assert "Deleted the segment “Acme people”. Its contacts and meetings stay." in text(response)
    assert Meeting.objects.count() == 1
