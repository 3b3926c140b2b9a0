"""A bulk launch through the API is recorded as a run, and runs answer with their
progress: GET /api/v1/runs and /api/v1/runs/{id}."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.dispatch.dispatcher import drain
from convener.meetings.models import Run
from convener.team.models import ApiToken, User
from tests.access.support import colleague, without
from tests.api.caller import api_caller

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(client: Any, api_token: str) -> Any:
    return api_caller(client, api_token)


def contacts(owner: User, count: int) -> list[int]:
    return [
        Contact.objects.create(email=f"r{n}@example.org", owner=owner, timezone="Europe/Paris").pk
        for n in range(count)
    ]


def test_a_launch_answers_its_run_and_the_run_its_progress(call: Any, member: User) -> None:
    ids = contacts(member, 3)
    action = call("post", "/actions", {"name": "Welcome call"}).json()
    launched = call("post", f"/actions/{action['id']}/schedule", {"contact_ids": ids})
    assert launched.status_code == 201
    body = launched.json()
    assert (body["created"], body["existing"], body["skipped_count"]) == (3, 0, 0)
    run = Run.objects.get(pk=body["run_id"])
    assert (run.action_id, run.requested_by, run.requested) == (action["id"], member, 3)

    answer = call("get", f"/runs/{run.pk}").json()
    assert answer["action_name"] == "Welcome call" and answer["requested_by"] == "ann"
    progress = answer["progress"]
    assert (progress["total"], progress["planned"], progress["status"]) == (3, 3, "running")
    assert progress["estimated_finish"] is not None

    drain("provider:jitsi")
    progress = call("get", f"/runs/{run.pk}").json()["progress"]
    assert (progress["linked"], progress["invited"], progress["status"]) == (3, 3, "done")
    assert progress["percent"] == 100 and progress["estimated_finish"] is None


def test_launching_again_with_the_same_ref_is_the_same_run(call: Any, member: User) -> None:
    ids = contacts(member, 2)
    action = call("post", "/actions", {"name": "Follow-up"}).json()
    path = f"/actions/{action['id']}/schedule"
    first = call("post", path, {"contact_ids": ids[:1], "trigger_ref": "wave-1"}).json()
    again = call("post", path, {"contact_ids": ids, "trigger_ref": "wave-1"}).json()
    assert first["run_id"] == again["run_id"]
    assert (again["created"], again["existing"]) == (1, 1)
    assert call("get", f"/runs/{first['run_id']}").json()["created"] == 2


def test_the_list_holds_the_runs_the_person_may_see(client: Any, call: Any, member: User) -> None:
    ids = contacts(member, 1)
    action = call("post", "/actions", {"name": "Mine"}).json()
    run_id = call("post", f"/actions/{action['id']}/schedule", {"contact_ids": ids}).json()[
        "run_id"
    ]
    listed = call("get", "/runs").json()
    assert [r["id"] for r in listed["items"]] == [run_id] and listed["count"] == 1

    private = colleague("private")
    without(private, "team.view_others_meetings")
    theirs = api_caller(client, ApiToken.issue(private, "tests")[1])
    assert theirs("get", "/runs").json()["items"] == []
    refused = theirs("get", f"/runs/{run_id}")
    assert refused.status_code == 404 and set(refused.json()) == {"detail", "errors"}
    assert call("get", "/runs/999999").status_code == 404


def test_skipped_contacts_are_listed_with_the_reason(call: Any, member: User) -> None:
    mine = contacts(member, 1)
    theirs = Contact.objects.create(email="t@example.org", owner=colleague("mike")).pk
    action = call("post", "/actions", {"name": "Mixed"}).json()
    body = call(
        "post", f"/actions/{action['id']}/schedule", {"contact_ids": [*mine, theirs]}
    ).json()
    answer = call("get", f"/runs/{body['run_id']}").json()
    assert answer["skipped_count"] == 1
    assert answer["skipped"][0]["contact_id"] == theirs
    assert "Changing another member" in answer["skipped"][0]["reason"]


def test_the_preview_answers_each_hosts_share_and_makes_no_run(call: Any, member: User) -> None:
    ids = contacts(member, 4)
    action = call(
        "post",
        "/actions",
        {
            "name": "Spread",
            "credentials": "contact_owner",
            "timezone": "Europe/Paris",
            "timing": {"mode": "smart", "start": "2020-01-06T09:00", "gap_minutes": 5},
        },
    ).json()
    answer = call("post", f"/actions/{action['id']}/preview", {"contact_ids": ids}).json()
    assert answer["planned"] == 4
    (host,) = answer["hosts"]
    # From now on, back to back: one or two days, whatever the time now.
    assert host.pop("days") in (1, 2)
    assert host == {
        "host_id": member.pk,
        "name": "Ann Lee",
        "timezone": "Europe/Berlin",
        "meetings": 4,
    }
    assert any("in the past" in note for note in answer["notes"])  # the start: now instead
    assert not Run.objects.exists()


def test_a_launch_in_the_background_answers_at_once_and_the_worker_makes_it(
    call: Any, member: User, worker: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ids = contacts(member, 3)
    action = call("post", "/actions", {"name": "Big wave"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        launched = call(
            "post", f"/actions/{action['id']}/schedule", {"contact_ids": ids, "in_background": True}
        )
    assert launched.status_code == 202, launched.content
    body = launched.json()
    assert (body["status"], body["requested"]) == ("queued", 3)
    answer = call("get", f"/runs/{body['run_id']}").json()
    assert (answer["progress"]["status"], answer["progress"]["total"]) == ("scheduling", 0)

    assert worker() == 1
    answer = call("get", f"/runs/{body['run_id']}").json()
    assert (answer["created"], answer["progress"]["status"]) == (3, "running")
    assert answer["failure"] == ""
