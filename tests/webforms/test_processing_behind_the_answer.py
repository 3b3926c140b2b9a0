"""The visitor is answered as soon as the submission is stored; the worker then makes the
contact and the meeting, and the thank-you page follows it honestly. Nothing stored is
lost when the worker dies in between, and a double submit stays one submission and one
meeting."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from convener.crm.models import Contact
from convener.intake import sweep
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import User
from convener.webforms import processing
from convener.webforms.models import Submission, SubmissionStatus
from tests.conftest import run_worker
from tests.dates import at, winter_day
from tests.webforms.support import (
    add_preferred,
    demo_form,
    field_action,
    preferred_field,
    rendered_token,
    send,
    thank_you_of,
)

pytestmark = pytest.mark.django_db

# What a send may cost the database while the visitor waits: the form, its fields, the
# token's earlier submission, the rate limit, and one transaction storing the row and its
# task (the custom fields are read only when the form fills one). A change that puts
# planning back into the answer fails here.
SEND_QUERIES = 8


def _status_url(page: str) -> str:
    """Where the waiting thank-you page asks for its outcome."""
    found = page.split('hx-get="', 1)
    assert len(found) == 2, "the page does not ask for its outcome"
    return found[1].split('"', 1)[0].replace("&amp;", "&")


def test_the_visitor_is_answered_before_the_work_and_the_page_follows_the_worker(
    client: Client, member: User
) -> None:
    preferred_field()
    form = demo_form(member, action=field_action())
    add_preferred(form)
    day = winter_day()

    answer = send(
        client,
        form,
        work=False,
        email="ada@client.example",
        when=at(day, 10),
        cv_tz="America/Sao_Paulo",
    )

    assert answer.status_code == 303
    waiting = Submission.objects.get()
    assert waiting.status == SubmissionStatus.PROCESSING
    assert not Contact.objects.exists() and not Meeting.objects.exists()
    thanks = client.get(answer["Location"]).content.decode()
    assert "Your meeting is being scheduled…" in thanks and "planned for" not in thanks
    assert 'hx-trigger="every 1s"' in thanks
    still = client.get(_status_url(thanks)).content.decode()
    assert "being scheduled" in still and 'hx-trigger="every 1s"' in still

    run_worker()

    fragment = client.get(_status_url(thanks)).content.decode()
    assert "Your meeting is planned for" in fragment
    assert f"{day:%A} {day.day} {day:%B} {day.year}, 10:00" in fragment
    assert "America/Sao_Paulo" in fragment and "invitation is on its way" in fragment
    assert "hx-trigger" not in fragment  # done: the page stops asking
    made = Meeting.objects.get()
    assert made.contact is not None and made.contact.email == "ada@client.example"


def test_a_skip_is_shown_as_such_once_the_worker_has_run(client: Client, member: User) -> None:
    form = demo_form(member, action=MeetingAction.objects.create(name="Zoom", provider="zoom"))

    answer = send(client, form, work=False, email="no-host@client.example")
    status_url = _status_url(client.get(answer["Location"]).content.decode())
    run_worker()

    fragment = client.get(status_url).content.decode()
    assert "we will contact you" in fragment
    assert "planned for" not in fragment and "being scheduled" not in fragment


def test_a_double_submit_while_the_first_waits_makes_one_submission_and_one_meeting(
    client: Client, member: User
) -> None:
    form = demo_form(member, action=MeetingAction.objects.create(name="Now", provider="jitsi"))
    token = rendered_token(client, form)

    first = send(client, form, token, work=False, email="bo@client.example")
    again = send(client, form, token, work=False, email="bo@client.example")
    assert Submission.objects.get().status == SubmissionStatus.PROCESSING
    run_worker()

    assert thank_you_of(first) == thank_you_of(again) == Submission.objects.get().pk
    assert Submission.objects.get().status == SubmissionStatus.SCHEDULED
    assert Meeting.objects.count() == 1


def test_a_submission_survives_a_worker_that_dies_before_processing_it(
    client: Client, member: User
) -> None:
    form = demo_form(member, action=MeetingAction.objects.create(name="Now", provider="jitsi"))
    answer = send(client, form, work=False, email="kept@client.example")
    # The worker took the task and died: django-tasks leaves it "running" for good.
    DBTaskResult.objects.update(status="RUNNING")
    assert run_worker() == 0

    later = timezone.now() + sweep.WAITING_TOO_LONG + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        client.get(answer["Location"])  # anyone looking at it starts the sweep
        assert processing.recover_waiting(force=True) == 0  # queued once, not per sweep
    run_worker()

    kept = Submission.objects.get()
    assert kept.status == SubmissionStatus.SCHEDULED and kept.contact is not None
    assert processing.process(kept.pk) is False  # the dead worker's task, run late: nothing
    assert Meeting.objects.count() == 1


def test_a_send_stores_the_submission_in_few_queries(client: Client, member: User) -> None:
    form = demo_form(member, action=MeetingAction.objects.create(name="Now", provider="jitsi"))
    token = rendered_token(client, form)

    with CaptureQueriesContext(connection) as queries:
        answer = send(client, form, token, work=False, email="quick@client.example")

    assert answer.status_code == 303
    assert len(queries) <= SEND_QUERIES, "\n".join(q["sql"][:90] for q in queries)
