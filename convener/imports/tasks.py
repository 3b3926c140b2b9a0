"""Queueing an import for the worker, and picking up one whose worker died.

The task takes the import's id and run number, never objects, and is enqueued when the
transaction that queued the import commits. django-tasks leaves a task "running" when its
worker dies, so the import row is the truth: its heartbeat moves with every committed
chunk, and an import whose heartbeat has stood still for STALLED_AFTER is given to a new
run, which resumes after the last committed row. Pages that show an import check this
whenever they are looked at, so a crash never leaves an import "running" for good; after
MAX_RESUMES such restarts it is marked stopped, with the reason.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from convener.imports import run
from convener.imports.models import ContactImport

STALLED_AFTER = timedelta(minutes=2)
MAX_RESUMES = 3
Status = ContactImport.Status


@task()
def import_contacts(import_id: int, run_number: int) -> None:
    run.run_import(import_id, run_number)


def queue(job: ContactImport) -> None:
    """Queue `job` (a new import, or one to continue after it stopped) as a new run."""
    job.status = Status.QUEUED
    job.run += 1
    job.failure = ""
    job.finished_at = None
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "run", "failure", "finished_at", "heartbeat_at"])
    pk, number = job.pk, job.run
    transaction.on_commit(lambda: import_contacts.enqueue(pk, number))


def is_stalled(job: ContactImport) -> bool:
    return (
        job.status == Status.RUNNING
        and job.heartbeat_at is not None
        and job.heartbeat_at < timezone.now() - STALLED_AFTER
    )


def recover_if_stalled(job: ContactImport) -> ContactImport:
    """`job` as it now stands, after resuming it (or marking it stopped) if its run died."""
    if not is_stalled(job):
        return job
    with transaction.atomic():
        found = ContactImport.objects.select_for_update().filter(pk=job.pk).first()
        if found is None or not is_stalled(found):
            return found or job
        if found.resumes >= MAX_RESUMES:
            found.status = Status.FAILED
            found.finished_at = timezone.now()
            found.failure = (
                f"The worker running this import stopped {found.resumes + 1} times without "
                f"finishing, the last time after {found.rows_done:,} rows. The rows before "
                "are imported and in the report; “Continue the import” tries again from there."
            )
            found.save(update_fields=["status", "finished_at", "failure"])
        else:
            found.resumes += 1
            found.save(update_fields=["resumes"])
            queue(found)
    return found
