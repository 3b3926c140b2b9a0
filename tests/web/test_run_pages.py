"""The run page (live progress, per-contact outcomes, retry and cancel with a
confirmation that says how many) and the list of runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from convener.crm.models import Contact
from convener.dispatch.dispatcher import drain
from convener.meetings.models import Meeting, MeetingAction, MeetingState, Run
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.launch import launch
from convener.scheduling.request import ScheduleRequest
from convener.team.models import User
from tests.access.support import colleague, without
from tests.dates import at, winter_day

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def launched(owner: User, count: int, *, by: User | None = None, label: str = "Wave") -> Run:
    action = MeetingAction.objects.create(
        name="Demo day",
        timing={"mode": "fixed", "at": at(winter_day(), 10)},
        timezone="Europe/Paris",
    )
    ids = [
        Contact.objects.create(
            email=f"p{n}@{owner.username}.example",
            first_name=f"P{n}",
            timezone="America/New_York",
            owner=owner,
        ).pk
        for n in range(count)
    ]
    ref = TriggerRef(TriggerKind.BULK, str(action.pk), f"tests-{owner.pk}-{count}")
    return launch(ScheduleRequest(action, ids, ref, requested_by=by or owner), label=label)


@pytest.fixture
def signed_in(client: Any, member: User) -> Any:
    client.force_login(member)
    return client


def test_the_run_page_shows_the_counts_and_polls_until_done(signed_in: Any, member: User) -> None:
    run = launched(member, 3)
    html = signed_in.get(f"/runs/{run.pk}/").content.decode()
    assert 'data-stage="planned">3<' in html and "In progress" in html
    assert 'hx-trigger="every 2s"' in html
    assert "estimated finish" in html
    assert "P0" in html and "in America/New_York" in html
    drain("provider:jitsi")
    partial = signed_in.get(f"/runs/{run.pk}/", headers=HTMX).content.decode()
    assert partial.startswith('<div id="run-status"') or 'id="run-status"' in partial[:200]
    assert 'data-stage="linked">3<' in partial and "Done" in partial
    assert 'hx-trigger="every 2s"' not in partial and "<html" not in partial


def test_outcomes_are_filtered_by_stage_and_paginated(signed_in: Any, member: User) -> None:
    run = launched(member, 55)
    Meeting.objects.filter(pk=run.meetings().order_by("pk").first().pk).update(  # type: ignore[union-attr]
        state=MeetingState.LINK_FAILED, state_reason="Jitsi answered 503"
    )
    failed = signed_in.get(f"/runs/{run.pk}/?stage=failed").content.decode()
    assert failed.count("data-meeting=") == 1 and "Jitsi answered 503" in failed
    first = signed_in.get(f"/runs/{run.pk}/").content.decode()
    assert first.count("data-meeting=") == 50 and "Page 1 of 2" in first


def test_retry_failed_says_how_many_and_tries_them_again(signed_in: Any, member: User) -> None:
    run = launched(member, 3)
    for meeting in run.meetings()[:2]:
        Meeting.objects.filter(pk=meeting.pk).update(
            state=MeetingState.LINK_FAILED, attempts=8, next_attempt_at=None
        )
    page = signed_in.get(f"/runs/{run.pk}/").content.decode()
    assert "Retry failed (2)" in page
    confirm = signed_in.get(f"/runs/{run.pk}/retry/").content.decode()
    assert "Try again now to make the links of 2 failed meetings?" in confirm
    response = signed_in.post(f"/runs/{run.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == f"/runs/{run.pk}/"
    retried = run.meetings().filter(attempts=0, next_attempt_at__isnull=False)
    assert retried.count() == 3  # the two failed ones, back to the start; the third as it was


def test_cancel_says_how_many_and_leaves_what_already_started(signed_in: Any, member: User) -> None:
    run = launched(member, 3)
    started = run.meetings().order_by("pk").first()
    assert started is not None
    Meeting.objects.filter(pk=started.pk).update(
        start=timezone.now() - timedelta(minutes=5), end=timezone.now() + timedelta(minutes=25)
    )
    confirm = signed_in.get(f"/runs/{run.pk}/cancel/").content.decode()
    assert "Cancel 2 meetings of this run that have not started yet?" in confirm
    signed_in.post(f"/runs/{run.pk}/cancel/")
    assert set(run.meetings().values_list("pk", "cancel_requested")) == {
        (m.pk, m.pk != started.pk) for m in run.meetings()
    }


def test_retry_and_cancel_touch_only_the_meetings_the_person_may_change(
    client: Any, member: User
) -> None:
    mike = colleague("mike", "team.view_others_meetings")
    run = launched(member, 2)
    client.force_login(mike)
    confirm = client.get(f"/runs/{run.pk}/cancel/").content.decode()
    assert "There is nothing here you may change." in confirm
    assert "2 more meetings of this run are not yours to change" in confirm
    client.post(f"/runs/{run.pk}/cancel/")
    assert not run.meetings().filter(cancel_requested=True).exists()


def test_a_run_is_seen_by_who_launched_it_or_who_sees_others_meetings(
    client: Any, member: User
) -> None:
    run = launched(member, 1, label="Ann's wave")
    nosy = colleague("nosy")
    private = colleague("private")
    without(private, "team.view_others_meetings")
    for person, status in ((member, 200), (nosy, 200), (private, 404)):
        client.force_login(person)
        assert client.get(f"/runs/{run.pk}/").status_code == status
        listed = "Ann&#x27;s wave" in client.get("/runs/").content.decode()
        assert listed == (status == 200)


def test_the_runs_list_says_who_launched_what_and_how_far_it_got(
    signed_in: Any, member: User
) -> None:
    launched(member, 2, label="Autumn leads")
    html = signed_in.get("/runs/").content.decode()
    assert "Demo day" in html and "Autumn leads" in html and "Ann Lee" in html
    assert "0 of 2 linked" in html and "In progress" in html
    assert 'href="/actions/"' in html  # back to the actions
    actions = signed_in.get("/actions/").content.decode()
    assert 'href="/runs/"' in actions  # the runs are reachable from the actions
