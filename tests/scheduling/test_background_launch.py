"""A large launch from a page is scheduled by the worker: the run is recorded at once and
its page says so, the worker saves the meetings a chunk at a time (links begin with the
first), a task that runs twice (or a run picked up again after its worker died or a chunk
failed) makes nothing twice, and a launch the worker cannot do says why and saves nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from convener.crm.models import Contact
from convener.db import writes
from convener.dispatch import periodic
from convener.meetings.models import Meeting, MeetingAction, Run
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling import background, schedule
from convener.scheduling.background import (
    MAX_TRIES,
    STALLED_AFTER,
    recover_if_stalled,
    requeue_stalled,
    schedule_run,
)
from convener.scheduling.request import ScheduleRequest
from convener.scheduling.schedule import _Choice, _in_turns
from convener.segments.models import Segment, SegmentMember
from convener.team.models import User
from tests.access.support import api, colleague
from tests.dates import winter_day
from tests.intake.test_worker_sweep import OneRound
from tests.scheduling.test_account_choice import OWNER, account_of, action
from tests.web.test_bulk_schedule import HTMX, options

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("small_background_limit")]

DAY = winter_day()


@pytest.fixture
def small_background_limit() -> Any:
    # More than two contacts go to the worker: a test's few contacts stand for many.
    with override_settings(LAUNCH_IN_BACKGROUND_OVER=2):
        yield


@pytest.fixture
def leads(member: User) -> list[Contact]:
    return [
        Contact.objects.create(
            email=f"{name.lower()}@acme.example",
            first_name=name,
            company="Acme",
            timezone="Europe/Paris",
            owner=member,
        )
        for name in ("Ada", "Ben", "Cy")
    ]


@pytest.fixture
def launch_from_popup(logged_in: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Schedule every Acme contact from the bulk popup (options set once), queueing the
    worker's task when the request commits; answers the popup's HTML."""

    def launch() -> str:
        with django_capture_on_commit_callbacks(execute=True):
            answer = logged_in.post(
                "/contacts/schedule/", options({"q": "acme", "all": "1"}), headers=HTMX
            )
        return str(answer.content.decode())

    return launch


def status_on_page(client: Any, run: Run) -> str:
    html = client.get(f"/runs/{run.pk}/").content.decode()
    return str(html.split('data-run-status="', 1)[1].split('"', 1)[0])


def test_the_popup_hands_a_large_selection_to_the_worker_and_its_run_follows_it(
    logged_in: Any, leads: list[Contact], worker: Callable[[], int], launch_from_popup: Any
) -> None:
    html = launch_from_popup()
    assert "Scheduling meetings for 3 contacts" in html
    run = Run.objects.get()
    assert run.status == Run.Status.QUEUED and not Meeting.objects.exists()
    page = logged_in.get(f"/runs/{run.pk}/").content.decode()
    assert "Planning and saving the meetings for 3 contacts" in page
    assert status_on_page(logged_in, run) == "scheduling"

    assert worker() == 1
    run.refresh_from_db()
    assert (run.status, run.created, run.pending) == (Run.Status.DONE, 3, None)
    meetings = list(run.meetings())
    assert sorted(m.contact.email for m in meetings if m.contact) == [c.email for c in leads]
    for meeting in meetings:
        # The popup's options travelled with the run: the time picked, in its zone.
        assert meeting.local_start.strftime("%Y-%m-%d %H:%M %Z") == f"{DAY.isoformat()} 10:00 CET"
        assert meeting.title == "Autumn demo" and meeting.duration_minutes == 45
        assert "sales@acme.example" in set(meeting.attendees.values_list("email", flat=True))
    assert status_on_page(logged_in, run) != "scheduling"
    assert MeetingAction.objects.count() == 0  # still nothing saved as an action


def test_an_action_launched_on_many_contacts_redirects_to_its_run_at_once(
    logged_in: Any,
    leads: list[Contact],
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    action = MeetingAction.objects.create(
        name="Spring wave", provider="jitsi", title_template="Hello {{ contact.first_name }}"
    )
    body = {
        "recipients": "chosen",
        "contact_ids": ",".join(str(c.pk) for c in leads),
        "step": "launch",
        "occurrence": "wave-1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = logged_in.post(f"/actions/{action.pk}/launch/", body, follow=True)
    assert answer.redirect_chain[-1][0].startswith("/runs/")
    assert "the worker is scheduling meetings for 3 contacts" in answer.content.decode()
    assert not Meeting.objects.exists()

    worker()
    assert sorted(Meeting.objects.values_list("title", flat=True)) == [
        "Hello Ada",
        "Hello Ben",
        "Hello Cy",
    ]


def test_a_task_that_runs_twice_makes_each_meeting_once(
    logged_in: Any, leads: list[Contact], worker: Callable[[], int], launch_from_popup: Any
) -> None:
    launch_from_popup()
    run = Run.objects.get()
    pending = run.pending
    worker()
    # The same task again, as if delivered twice: the run is done, nothing is made.
    schedule_run.call(run.pk)
    # The same launch queued again (the same popup submitted after a timeout).
    Run.objects.filter(pk=run.pk).update(status=Run.Status.QUEUED, pending=pending)
    schedule_run.call(run.pk)
    assert Meeting.objects.count() == 3
    run.refresh_from_db()
    assert (run.status, run.created) == (Run.Status.DONE, 3)


def test_a_run_whose_worker_died_is_picked_up_again_when_looked_at(
    logged_in: Any,
    leads: list[Contact],
    worker: Callable[[], int],
    launch_from_popup: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    launch_from_popup()
    run = Run.objects.get()
    # The worker took it and died: the task is gone, the run says "scheduling".
    DBTaskResult.objects.all().delete()
    _stalled(run, status=Run.Status.SCHEDULING)
    assert worker() == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert status_on_page(logged_in, run) == "scheduling"
    assert worker() == 1
    assert Meeting.objects.count() == 3
    run.refresh_from_db()
    assert run.status == Run.Status.DONE


def test_a_launch_the_worker_cannot_do_says_why_and_saves_nothing(
    logged_in: Any,
    member: User,
    leads: list[Contact],
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    action = MeetingAction.objects.create(name="Spring wave", provider="jitsi")
    body = {
        "recipients": "chosen",
        "contact_ids": ",".join(str(c.pk) for c in leads),
        "step": "launch",
    }
    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(f"/actions/{action.pk}/launch/", body)
    run = Run.objects.get()
    action.delete()  # before the worker gets to it
    worker()
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED and not Meeting.objects.exists()
    page = logged_in.get(f"/runs/{run.pk}/").content.decode()
    assert "The action was deleted before the worker scheduled its meetings." in page
    assert status_on_page(logged_in, run) == "not_scheduled"
    answer = api(logged_in, "get", f"/api/v1/runs/{run.pk}", member).json()
    assert answer["progress"]["status"] == "not_scheduled"
    assert answer["failure"] == "The action was deleted before the worker scheduled its meetings."


def test_a_large_segment_is_scheduled_by_the_worker(
    logged_in: Any,
    member: User,
    leads: list[Contact],
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    segment = Segment.objects.create(name="Acme people", kind=Segment.Kind.STATIC, owner=member)
    SegmentMember.objects.bulk_create(SegmentMember(segment=segment, contact=c) for c in leads)
    action = MeetingAction.objects.create(name="Spring wave", provider="jitsi")
    with django_capture_on_commit_callbacks(execute=True):
        answer = logged_in.post(
            f"/segments/{segment.pk}/schedule/",
            {"action": action.pk, "occurrence": "s-1"},
            headers=HTMX,
        )
    html = answer.content.decode()
    assert "Scheduling meetings for the <strong>3</strong> members of “Acme people”" in html
    assert not Meeting.objects.exists()
    worker()
    assert Meeting.objects.filter(trigger="segment").count() == 3


def _before_each_chunk(
    monkeypatch: pytest.MonkeyPatch,
    hook: Callable[[list[tuple[Meeting, Any]]], object],
    *,
    chunk: int | None = None,
) -> None:
    """Call `hook` with each chunk's meetings as the chunk starts saving (it may raise);
    `chunk`: contacts a chunk, when the test needs several chunks of a few contacts."""
    if chunk is not None:
        monkeypatch.setattr(schedule, "CHUNK", chunk)
    save = schedule._save_batch

    def hooked(batch: list[tuple[Meeting, Any]], *args: Any) -> None:
        hook(batch)
        save(batch, *args)

    monkeypatch.setattr(schedule, "_save_batch", hooked)


def _tasks(name: str) -> int:
    """How many tasks of this name were queued for the worker (run or not)."""
    return DBTaskResult.objects.filter(task_path__endswith=name).count()


def _stalled(run: Run, **fields: Any) -> None:
    """As if nothing had been heard of the run for longer than STALLED_AFTER."""
    long_ago = timezone.now() - STALLED_AFTER - timedelta(minutes=1)
    Run.objects.filter(pk=run.pk).update(updated_at=long_ago, **fields)


def _saves_in_chunks_of_two(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Chunks of two contacts (the test's three leads make two chunks); returns, for each
    chunk as it starts saving, how many lane nudges were already queued for the worker."""
    nudges_before: list[int] = []
    _before_each_chunk(monkeypatch, lambda _: nudges_before.append(_tasks("drain_lane")), chunk=2)
    return nudges_before


@pytest.mark.django_db(transaction=True)
def test_the_worker_saves_a_large_launch_a_chunk_at_a_time_and_links_begin_with_the_first(
    logged_in: Any,
    leads: list[Contact],
    worker: Callable[[], int],
    launch_from_popup: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nudges_before = _saves_in_chunks_of_two(monkeypatch)
    launch_from_popup()
    run = Run.objects.get()
    worker()
    # The first chunk had committed, and the worker been told of its lane, before the
    # second was saved; in one transaction the nudge would wait for the last.
    assert nudges_before == [0, 1]
    run.refresh_from_db()
    assert (run.status, run.created, run.failure) == (Run.Status.DONE, 3, "")
    assert sorted(c for c in run.meetings().values_list("contact__email", flat=True)) == [
        c.email for c in leads
    ]
    # Its one lane was nudged once, not once a chunk.
    assert _tasks("drain_lane") == 1


def _second_chunk_fails_on_its_attendees(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Chunks of two, the second failing once its meetings are inserted, on its attendee
    rows (so its meetings roll back with them); returns the nudge counts as above."""
    nudges_before = _saves_in_chunks_of_two(monkeypatch)
    insert = writes.insert_many

    def failing(rows: list[Any]) -> None:
        if len(nudges_before) == 2 and rows and not isinstance(rows[0], Meeting):
            raise RuntimeError("disk full")
        insert(rows)

    monkeypatch.setattr(schedule, "insert_many", failing)
    return nudges_before


@pytest.mark.django_db(transaction=True)
def test_a_launch_stopped_after_its_first_chunk_keeps_it_says_so_and_finishes_later(
    logged_in: Any,
    member: User,
    leads: list[Contact],
    worker: Callable[[], int],
    launch_from_popup: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    original = writes.insert_many
    _second_chunk_fails_on_its_attendees(monkeypatch)
    launch_from_popup()
    run = Run.objects.get()
    worker()  # the task fails in the second chunk
    run.refresh_from_db()
    # The first chunk is kept, with its attendees, and goes ahead; the second rolled
    # back whole. The run waits for the worker, and says what happened.
    assert Meeting.objects.count() == 2
    assert all(m.attendees.exists() for m in Meeting.objects.all())
    assert run.status == Run.Status.SCHEDULING and run.pending is not None
    page = logged_in.get(f"/runs/{run.pk}/").content.decode()
    assert "Saving the meetings stopped on an unexpected error." in page
    assert "2 of 3 meetings were saved, and their links are being made" in page
    assert "tried again in about 20 minutes" in page
    assert "disk full" not in page  # the log has the error; the page says what it means
    assert "Cancel what has not happened" not in page  # not while meetings are missing
    # The figures count against the three asked for, not the two saved so far.
    assert "2 of 3 linked" in logged_in.get("/runs/").content.decode()
    answer = api(logged_in, "get", f"/api/v1/runs/{run.pk}", member).json()
    assert (answer["progress"]["percent"], answer["progress"]["estimated_finish"]) == (66, None)

    monkeypatch.setattr(schedule, "insert_many", original)
    failure_while_saving: list[str] = []
    _before_each_chunk(
        monkeypatch, lambda _: failure_while_saving.append(Run.objects.get(pk=run.pk).failure)
    )
    assert requeue_stalled() == 0  # not yet
    _stalled(run)
    periodic.registered()["stalled-launches"](OneRound())  # the worker's sweep, unlooked-at
    assert Run.objects.get(pk=run.pk).status == Run.Status.QUEUED
    worker()
    # The stop's explanation went when the worker took the run up again.
    assert failure_while_saving and set(failure_while_saving) == {""}
    run.refresh_from_db()
    assert (run.status, run.created, run.failure) == (Run.Status.DONE, 3, "")
    emails = list(Meeting.objects.values_list("contact__email", flat=True))
    assert sorted(emails) == [c.email for c in leads]  # each contact once


def test_a_chunked_launch_gives_every_host_work_in_its_first_chunk(
    member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Contacts come grouped by owner; saved in that order, the last hosts' lanes would
    wait for the last chunks. Saved in turns, the first chunk starts every lane."""
    chunks: list[list[str]] = []
    _before_each_chunk(
        monkeypatch,
        lambda batch: chunks.append(sorted(m.host.username for m, _ in batch if m.host)),
        chunk=2,
    )
    other = colleague("bob")
    hosts = [member, other]
    for host in hosts:
        account_of(host)
    contacts = [
        Contact.objects.create(email=f"{host.username}-{n}@client.example", owner=host)
        for host in hosts
        for n in range(2)
    ]
    outcome = schedule.schedule(
        ScheduleRequest(
            action=action(OWNER),
            contact_ids=[c.pk for c in contacts],
            trigger=TriggerRef(TriggerKind.BULK, "turns", "1"),
        ),
        commit_each_chunk=True,
    )
    assert len(outcome.created_ids) == 4
    assert chunks == [["ann", "bob"], ["ann", "bob"]]


@pytest.mark.django_db(transaction=True)
def test_a_stopped_launch_that_cannot_go_on_says_what_was_saved(
    logged_in: Any,
    member: User,
    leads: list[Contact],
    worker: Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    action = MeetingAction.objects.create(name="Spring wave", provider="jitsi")
    body = {"recipients": "chosen", "contact_ids": ",".join(str(c.pk) for c in leads)}
    logged_in.post(f"/actions/{action.pk}/launch/", {**body, "step": "launch"})
    original = writes.insert_many
    _second_chunk_fails_on_its_attendees(monkeypatch)
    worker()
    assert Meeting.objects.count() == 2
    monkeypatch.setattr(schedule, "insert_many", original)
    action.delete()  # before the worker takes it up again
    requeue_stalled(now=timezone.now() + STALLED_AFTER + timedelta(minutes=1))
    worker()
    run = Run.objects.get()
    assert (run.status, run.created) == (Run.Status.FAILED, 2)
    page = logged_in.get(f"/runs/{run.pk}/").content.decode()
    assert "2 meetings were saved and go ahead; the rest were not." in page
    assert "Nothing was saved" not in page


@pytest.mark.django_db(transaction=True)
def test_a_run_launched_again_while_it_saves_makes_what_the_later_launch_asks(
    logged_in: Any,
    member: User,
    leads: list[Contact],
    worker: Callable[[], int],
    launch_from_popup: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    nudges_before = _saves_in_chunks_of_two(monkeypatch)
    launch_from_popup()
    dee = Contact.objects.create(email="dee@acme.example", first_name="Dee", owner=member)
    relaunched: list[Run] = []

    def relaunch_midway(_: object) -> None:
        if len(nudges_before) == 1 and not relaunched:  # the first task's second chunk
            request = background._request(Run.objects.get())
            more = dataclasses.replace(request, contact_ids=[*request.contact_ids, dee.pk])
            relaunched.append(background.launch_later(more))

    _before_each_chunk(monkeypatch, relaunch_midway)
    worker()
    run = Run.objects.get()
    assert relaunched and relaunched[0].pk == run.pk  # the same run, launched again
    assert (run.status, run.requested, run.created) == (Run.Status.DONE, 4, 4)
    emails = sorted(Meeting.objects.values_list("contact__email", flat=True))
    assert emails == sorted([c.email for c in leads] + [dee.email])


def test_bulk_changes_wait_until_the_run_has_saved_its_meetings(
    logged_in: Any, leads: list[Contact], worker: Callable[[], int], launch_from_popup: Any
) -> None:
    launch_from_popup()
    worker()
    run = Run.objects.get()
    # As while the worker still saves its chunks: some meetings exist, not all.
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SCHEDULING)
    assert "Cancel what has not happened" not in logged_in.get(f"/runs/{run.pk}/").content.decode()
    answer = logged_in.post(f"/runs/{run.pk}/cancel/", follow=True)
    assert "still saving this run&#x27;s meetings" in answer.content.decode()
    assert not Meeting.objects.filter(state="cancelled").exists()


def test_contacts_are_saved_in_turns_over_their_accounts() -> None:

    hosts = {1: 7, 2: 7, 3: 7, 4: 8, 5: None, 6: None}
    choices = {pk: _Choice(connection_id=account, host_id=None) for pk, account in hosts.items()}
    assert _in_turns([1, 2, 3, 4, 5, 6], choices) == [1, 4, 5, 2, 6, 3]
    assert _in_turns([3, 1], choices) == [3, 1]  # one account: the order given


@pytest.mark.django_db(transaction=True)
def test_each_saved_chunk_is_a_sign_of_life_so_a_long_launch_is_left_alone(
    logged_in: Any,
    leads: list[Contact],
    worker: Callable[[], int],
    launch_from_popup: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    _saves_in_chunks_of_two(monkeypatch)
    launch_from_popup()
    run = Run.objects.get()
    stamps: list[Any] = []
    _before_each_chunk(monkeypatch, lambda _: stamps.append(Run.objects.get(pk=run.pk).updated_at))
    worker()
    # The first chunk's commit moved the run's time on: a sweep measures its silence
    # from there, not from when the worker took it up.
    assert stamps[1] > stamps[0]
    assert _tasks("schedule_run") == 1


def test_a_stalled_run_is_queued_once_however_many_look_at_it(
    logged_in: Any,
    leads: list[Contact],
    launch_from_popup: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:

    launch_from_popup()
    run = Run.objects.get()
    _stalled(run, status=Run.Status.SCHEDULING)
    stale = Run.objects.get(pk=run.pk)
    before = _tasks("schedule_run")
    with django_capture_on_commit_callbacks(execute=True):
        recover_if_stalled(stale)  # an open page
        requeue_stalled()  # a worker's sweep
        recover_if_stalled(stale)  # another worker process, with the same old look at it
    assert _tasks("schedule_run") == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_launch_again_that_stops_before_saving_anything_is_not_scheduled(
    logged_in: Any,
    member: User,
    leads: list[Contact],
    worker: Callable[[], int],
    launch_from_popup: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The run's earlier meetings are not this launch's: it saved nothing, so it is not
    tried again as a launch that stopped midway would be."""
    launch_from_popup()
    run = Run.objects.get()
    pending = run.pending
    assert pending is not None
    worker()
    dee = Contact.objects.create(email="dee@acme.example", first_name="Dee", owner=member)
    # The same launch again with one more contact, its chunk failing.
    more = {**pending, "contact_ids": [*pending["contact_ids"], dee.pk]}
    Run.objects.filter(pk=run.pk).update(status=Run.Status.QUEUED, pending=more)

    def failing(_: object) -> None:
        raise RuntimeError("disk full")

    _before_each_chunk(monkeypatch, failing)
    with pytest.raises(RuntimeError):
        schedule_run.call(run.pk)
    run.refresh_from_db()
    assert (run.status, run.created, run.pending) == (Run.Status.FAILED, 3, None)
    page = logged_in.get(f"/runs/{run.pk}/").content.decode()
    assert "3 meetings were saved and go ahead; the rest were not." in page


def test_a_run_taken_up_too_often_without_finishing_is_given_up(
    logged_in: Any, leads: list[Contact], launch_from_popup: Any
) -> None:
    """A worker killed while saving raises no error to count: its pick-ups are counted."""
    launch_from_popup()
    run = Run.objects.get()
    assert run.pending is not None
    Run.objects.filter(pk=run.pk).update(pending={**run.pending, "tries": MAX_TRIES})
    schedule_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED and not Meeting.objects.exists()
    page = logged_in.get(f"/runs/{run.pk}/").content.decode()
    assert "stopped before the end, three times" in page


@pytest.mark.django_db(transaction=True)
def test_the_run_page_lists_the_meetings_saved_so_far_while_the_rest_are_being_saved(
    logged_in: Any,
    leads: list[Contact],
    worker: Callable[[], int],
    launch_from_popup: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pages: list[tuple[str, list[str]]] = []

    def look(_: object) -> None:
        meetings = Meeting.objects.select_related("contact")
        saved = [m.contact.name for m in meetings if m.contact is not None]
        pages.append((logged_in.get(f"/runs/{run.pk}/").content.decode(), saved))

    _before_each_chunk(monkeypatch, look, chunk=2)
    launch_from_popup()
    run = Run.objects.get()
    worker()

    (before_any, none_saved), (between_chunks, first_chunk) = pages
    assert none_saved == [] and "data-meeting=" not in before_any
    assert len(first_chunk) == 2
    assert "2 saved so far, their links on the way." in between_chunks
    assert between_chunks.count("data-meeting=") == 2
    assert all(name in between_chunks for name in first_chunk)
