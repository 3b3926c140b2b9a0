"""The nudge of host calendar entries: "rows are due", enqueued when a change commits.

The worker's loop would find them within seconds anyway (copy_worker.loop); the nudge
makes a saved event reach the host's calendar without that wait.
"""

from __future__ import annotations

from django_tasks import task


@task()
def sync_copies() -> None:
    from convener.calendar import copy_worker  # the task module stays importable alone

    copy_worker.run_due()
