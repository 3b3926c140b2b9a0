"""Progress and report: the page polls while the worker imports, shows the counts and the
skipped rows, and offers the report; a crash mid-import is resumed from the last committed
chunk (never importing a row twice), and an import that cannot go on says why."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from convener.crm.models import Contact, CustomField
from convener.imports import report, run, tasks
from convener.imports.decide import decide
from convener.imports.models import ContactImport
from tests.conftest import run_worker
from tests.imports.support import HTMX, csv_bytes, report_rows, start, uploaded

pytestmark = pytest.mark.django_db


def addresses(count: int, *, bad_every: int = 0) -> bytes:
    rows = [["Email", "Company"]]
    for n in range(count):
        bad = bad_every and n % bad_every == 0
        rows.append([f"c{n:05d}" if bad else f"c{n:05d}@example.org", "Acme"])
    return csv_bytes(rows)


def queued(client: Client, data: bytes, captured: Any, *, execute: bool = True) -> ContactImport:
    job = uploaded(client, data)
    with captured(execute=execute):
        assert start(client, job).status_code == 302
    job.refresh_from_db()
    return job


def page(client: Client, job: ContactImport, **headers: str) -> str:
    response = client.get(f"/contacts/import/{job.pk}/", headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_progress_polls_until_the_report_is_there(
    signed_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = queued(signed_in, addresses(30, bad_every=10), django_capture_on_commit_callbacks)
    partial = page(signed_in, job, **HTMX)
    assert partial.lstrip().startswith('<div id="import-progress" hx-get=')
    assert 'hx-trigger="every 1s"' in partial
    assert "Waiting for the worker to start the import" in text(partial)

    run_worker()
    partial = page(signed_in, job, **HTMX)
    assert "hx-get" not in partial  # done: the polling stops
    shown = text(partial)
    assert "The import is done: 30 rows read" in shown
    assert "New contacts 27 Updated 0 No change 0 Skipped 3" in shown
    assert "Row Column Problem 2 Email “c00000” is not a valid email address." in shown
    assert f'href="/contacts/import/{job.pk}/report.csv"' in partial
    assert Contact.objects.count() == 27


def test_while_queued_for_long_the_page_says_a_worker_may_be_missing(
    signed_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = queued(signed_in, addresses(3), django_capture_on_commit_callbacks, execute=False)
    assert "Still waiting" not in page(signed_in, job)
    ContactImport.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=1)
    )
    assert "start <code>convener worker</code>" in page(signed_in, job)


def test_only_the_first_problems_are_kept_on_the_page_and_the_report_has_them_all(
    signed_in: Client, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(run, "PROBLEMS_KEPT", 5)
    job = queued(signed_in, addresses(24, bad_every=2), django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert (job.skipped_rows, len(job.problems), job.problems_not_kept) == (12, 5, 7)
    shown = text(page(signed_in, job))
    assert "7 more problems are not listed here (this page keeps the first 5)" in shown
    skipped = [r for r in report_rows(signed_in, job) if r["outcome"] == "skipped"]
    assert len(skipped) == 12


class Crash(BaseException):
    """The worker process dies: nothing after this line runs, no handler catches it."""


def test_an_import_whose_worker_died_resumes_after_the_last_committed_chunk(
    signed_in: Client, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(run, "CHUNK_ROWS", 10)
    job = queued(
        signed_in, addresses(45, bad_every=7), django_capture_on_commit_callbacks, execute=False
    )
    writes = 0
    original = report.ReportWriter.write

    def write_then_die(self: report.ReportWriter, data: bytes) -> int:
        nonlocal writes
        writes += 1
        length = original(self, data)
        if writes == 3:  # the third chunk's lines are on disk, its rows not committed
            raise Crash
        return length

    monkeypatch.setattr(report.ReportWriter, "write", write_then_die)
    with pytest.raises(Crash):
        run.run_import(job.pk, job.run)
    job.refresh_from_db()
    assert (job.status, job.rows_done, Contact.objects.count()) == ("running", 20, 17)
    monkeypatch.setattr(report.ReportWriter, "write", original)

    # Nothing moves for longer than a run may take over a chunk: the page resumes it.
    ContactImport.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - tasks.STALLED_AFTER - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert "Waiting for the worker" in page(signed_in, job)
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.resumes, job.rows_done) == ("done", 1, 45)
    assert (job.created_contacts, job.skipped_rows) == (38, 7)
    assert Contact.objects.count() == 38
    rows = [int(r["row"]) for r in report_rows(signed_in, job)]
    assert rows == list(range(2, 47))  # every row once, in order


def test_a_run_replaced_by_a_resume_stops_without_writing(
    signed_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = queued(signed_in, addresses(5), django_capture_on_commit_callbacks, execute=False)
    stale_run = job.run
    tasks.queue(job)  # a resume took the import over
    run.run_import(job.pk, stale_run)
    assert Contact.objects.count() == 0
    run.run_import(job.pk, job.run)
    assert Contact.objects.count() == 5


def test_an_import_that_keeps_dying_is_stopped_with_the_reason_and_can_continue(
    signed_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = queued(signed_in, addresses(12), django_capture_on_commit_callbacks, execute=False)
    ContactImport.objects.filter(pk=job.pk).update(
        status="running",
        resumes=tasks.MAX_RESUMES,
        rows_done=0,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    shown = text(page(signed_in, job))
    assert "The import stopped after 0 of 12 rows." in shown
    assert "The worker running this import stopped 4 times without finishing" in shown
    assert "Continue the import" in shown

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/contacts/import/{job.pk}/start/")
    assert response.status_code == 302
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.created_contacts, job.resumes) == ("done", 12, 0)


def test_an_unexpected_error_stops_the_import_and_it_continues_where_it_stopped(
    signed_in: Client, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(run, "CHUNK_ROWS", 10)
    calls = 0
    original = decide

    def decide_until_the_third_chunk(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk on fire")
        return original(*args)

    monkeypatch.setattr(run, "decide", decide_until_the_third_chunk)
    job = queued(signed_in, addresses(35), django_capture_on_commit_callbacks)
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.rows_done) == ("failed", 20)
    shown = text(page(signed_in, job))
    assert "An unexpected error stopped the import after 20 rows" in shown
    assert "disk on fire" not in shown  # the details are in the server's log

    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(f"/contacts/import/{job.pk}/start/")
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_contacts) == ("done", 35, 35)
    assert [int(r["row"]) for r in report_rows(signed_in, job)] == list(range(2, 37))


def test_a_custom_field_deleted_before_the_import_runs_stops_it_with_the_reason(
    signed_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    field = CustomField.objects.create(key="plan", label="Plan")
    job = uploaded(signed_in, csv_bytes([["Email", "Plan"], ["ann@example.org", "Gold"]]))
    with django_capture_on_commit_callbacks(execute=True):
        start(signed_in, job, ["email", "fields.plan"])
    field.delete()
    run_worker()
    job.refresh_from_db()
    assert job.status == "failed"
    assert "This custom field no longer exists" in job.failure


def test_deleting_an_import_removes_its_files_and_stops_it(
    signed_in: Client, django_capture_on_commit_callbacks: Any, import_dir: Path
) -> None:
    job = queued(signed_in, addresses(5), django_capture_on_commit_callbacks, execute=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(f"/contacts/import/{job.pk}/delete/")
    assert response.status_code == 302
    assert list(import_dir.iterdir()) == []
    run.run_import(job.pk, job.run)  # its task still runs, and finds nothing to do
    assert Contact.objects.count() == 0


def test_a_finished_import_keeps_its_report_but_not_the_upload(
    signed_in: Client, django_capture_on_commit_callbacks: Any, import_dir: Path
) -> None:
    job = queued(signed_in, addresses(3), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    assert sorted(p.name for p in import_dir.iterdir()) == [f"{job.stored_as}.report.csv"]
    assert len(report_rows(signed_in, job)) == 3
