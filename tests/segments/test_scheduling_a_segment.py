"""Scheduling meetings for a segment: through the seam with the trigger "segment" and the
segment as its source, recorded as a run, and never twice for the same occurrence."""

from __future__ import annotations

from typing import Any

import pytest

from convener.meetings.models import Meeting, Run, meetings_from
from convener.meetings.triggers import TriggerKind
from tests.access.support import api, colleague
from tests.segments.support import acme_contacts, acme_segment, jitsi_action

pytestmark = pytest.mark.django_db


def launch(client: Any, user: Any, segment: Any, action: Any, ref: str | None = "wave-1") -> Any:
    body: dict[str, Any] = {"action_id": action.pk}
    if ref:
        body["trigger_ref"] = ref
    return api(client, "post", f"/api/v1/segments/{segment.pk}/schedule", user, body)


def test_each_member_gets_a_meeting_made_by_the_segment(client: Any, member: Any) -> None:
    ann, bea = acme_contacts(member, "Ann", "Bea")
    segment = acme_segment(member)
    action = jitsi_action()
    response = launch(client, member, segment, action)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["requested"] == 2
    assert body["created"] == 2
    assert body["existing"] == 0
    assert body["skipped_count"] == 0
    run = Run.objects.get(pk=body["run_id"])
    assert body["run_url"] == f"/runs/{run.pk}/"
    assert run.label == "Acme people"
    assert run.trigger == TriggerKind.SEGMENT
    assert run.trigger_source == str(segment.pk)
    meetings = meetings_from(TriggerKind.SEGMENT, str(segment.pk))
    assert {m.contact_id for m in meetings} == {ann.pk, bea.pk}
    assert {m.title for m in meetings} == {"Check-in with Ann", "Check-in with Bea"}
    assert set(run.meetings()) == set(meetings)


def test_the_same_occurrence_again_makes_nothing_twice(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann", "Bea")
    segment = acme_segment(member)
    action = jitsi_action()
    first = launch(client, member, segment, action).json()
    again = launch(client, member, segment, action).json()
    assert again["run_id"] == first["run_id"]
    assert (again["created"], again["existing"]) == (0, 2)
    assert Meeting.objects.count() == 2


def test_a_re_run_reaches_only_the_members_who_joined_since(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann")
    segment = acme_segment(member)
    action = jitsi_action()
    launch(client, member, segment, action)
    (cid,) = acme_contacts(member, "Cid")
    again = launch(client, member, segment, action).json()
    assert (again["created"], again["existing"]) == (1, 1)
    assert Meeting.objects.filter(contact=cid).count() == 1
    assert Meeting.objects.count() == 2


def test_another_occurrence_is_another_wave(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann")
    segment = acme_segment(member)
    action = jitsi_action()
    launch(client, member, segment, action, ref="wave-1")
    second = launch(client, member, segment, action, ref="wave-2").json()
    assert second["created"] == 1
    assert Meeting.objects.count() == 2


def test_members_you_may_not_edit_are_skipped_and_named(client: Any, member: Any) -> None:
    mike = colleague("mike")
    acme_contacts(member, "Ann")
    (tom,) = acme_contacts(mike, "Tom")
    segment = acme_segment(member)
    body = launch(client, member, segment, jitsi_action()).json()
    assert (body["requested"], body["created"], body["skipped_count"]) == (2, 1, 1)
    (skip,) = body["skipped"]
    assert skip["contact_id"] == tom.pk
    assert "edit other members' contacts" in skip["reason"]
    assert not Meeting.objects.filter(contact=tom).exists()


def test_a_segment_with_nobody_to_schedule_saves_nothing(client: Any, member: Any) -> None:
    segment = acme_segment(member)
    response = launch(client, member, segment, jitsi_action())
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "action_id",
            "message": "This segment has no contacts you may see: there is nobody to schedule.",
        }
    ]
    assert not Run.objects.exists()


def test_an_unknown_action_is_named(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann")
    segment = acme_segment(member)
    response = api(
        client, "post", f"/api/v1/segments/{segment.pk}/schedule", member, {"action_id": 999}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "action_id", "message": "no action with id 999"}]
