"""The worker's own sweep: a submission or delivery whose task died with a worker is
queued again by the next worker, even when nothing new arrives and nobody looks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from convener.dispatch import periodic
from convener.hooks.models import HookDelivery
from convener.intake import sweep
from convener.team.models import User
from tests.conftest import run_worker
from tests.hooks.support import make_hook, signed_generic

PAYLOAD = {"id": "evt-9", "contact": {"email": "ola@client.example", "first_name": "Ola"}}


class OneRound(threading.Event):
    """A stop signal that lets a worker loop run exactly one round."""

    def __init__(self) -> None:
        super().__init__()
        self.rounds = 0

    def wait(self, timeout: float | None = None) -> bool:
        self.rounds += 1
        return self.rounds > 1


def test_the_worker_runs_a_sweep_for_forms_and_for_webhooks() -> None:
    assert {"webform-submissions", "webhook-deliveries"} <= set(periodic.registered())


@pytest.mark.django_db(transaction=True)
def test_the_worker_sweep_picks_up_a_delivery_a_dead_worker_left(
    client: Client, member: User
) -> None:
    _, token, secret = make_hook(member)
    answer = signed_generic(client, token, secret, PAYLOAD, datetime.now(UTC))
    DBTaskResult.objects.update(status="RUNNING")  # taken by a worker that then died
    assert run_worker() == 0

    later = timezone.now() + sweep.WAITING_TOO_LONG + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        periodic.registered()["webhook-deliveries"](OneRound())
    run_worker()

    delivery = HookDelivery.objects.get()
    assert delivery.outcome == HookDelivery.Outcome.PLANNED and delivery.meeting_id
    status = client.get(urlsplit(answer.json()["status_url"]).path).json()
    assert status["state"] == "planned" and status["meeting"] == delivery.meeting_id
