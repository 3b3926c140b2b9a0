"""Background tasks. They take ids, never objects, and are enqueued on commit."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from convener.meetings import linking


@task()
def create_meeting_link(meeting_id: int) -> None:
    linking.create_link(meeting_id)


def enqueue_link_creation(meeting_ids: list[int]) -> None:
    """Queue link creation once the surrounding transaction commits (invariant 7)."""

    def enqueue() -> None:
        for meeting_id in meeting_ids:
            create_meeting_link.enqueue(meeting_id)

    transaction.on_commit(enqueue)
