"""The worker's side of a submission: a task per stored submission, taking its id.

Queued in the transaction that stores the submission (the queue is the database, so the
two commit together), and again by the sweep for a submission whose task died with its
worker (django-tasks leaves such a task "running" for good).
"""

from __future__ import annotations

from django_tasks import task


@task()
def process_submission(submission_id: int) -> None:
    from convener.webforms import processing  # the task module stays importable alone

    processing.process(submission_id)
    processing.recover_waiting()
