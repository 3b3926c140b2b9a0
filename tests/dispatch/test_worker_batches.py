"""What the worker does outside a batch's transaction. On SQLite that transaction holds the
write lock every other writer waits for (the web pages' saves, the mail threads' records,
the other batches), so what only reads or builds is done before or after it: reading the
batch's meetings, and making each call's provider object."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from convener.connections.factory import build_provider
from convener.dispatch.dispatcher import Dispatcher
from convener.dispatch.sync import load
from convener.meetings.models import Meeting
from convener.team.models import User
from tests.dispatch.test_worker_invitations import contacts, schedule, settled, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_reads_its_meetings_and_builds_its_providers_outside_its_transaction(
    member: User, monkeypatch: pytest.MonkeyPatch, worker: Dispatcher
) -> None:
    # Whether a transaction was open on the thread each time, by what was done.
    seen: dict[str, list[bool]] = {"load": [], "build": []}

    def watched_load(meeting_ids: list[int]) -> list[Meeting]:
        seen["load"].append(transaction.get_connection().in_atomic_block)
        return load(meeting_ids)

    def watched_build(*args: Any, **hooks: Any) -> Any:
        seen["build"].append(transaction.get_connection().in_atomic_block)
        return build_provider(*args, **hooks)

    monkeypatch.setattr("convener.dispatch.dispatcher.load", watched_load)
    monkeypatch.setattr("convener.dispatch.provider_step.build_provider", watched_build)

    ids = schedule(member, contacts(member, 6))
    wait_for(worker, settled(ids), "the meetings linked")

    assert len(seen["build"]) == len(ids)
    assert seen["load"], "the worker's batches were not read through `load`"
    assert not any(seen["load"]), "a batch was read inside its transaction"
    assert not any(seen["build"]), "a provider was built inside the batch's transaction"
