"""The worker's side of a webhook delivery: a task per accepted delivery, taking its id.

Queued in the transaction that stores the delivery (the queue is the database, so the two
commit together), and again by the sweep for a delivery whose task died with its worker.
"""

from __future__ import annotations

from django_tasks import task


@task()
def process_delivery(delivery_id: int) -> None:
    from convener.hooks import processing  # the task module stays importable alone

    processing.process(delivery_id)
    processing.recover_waiting()
