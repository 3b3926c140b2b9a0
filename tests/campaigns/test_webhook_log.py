"""The "send a webhook" step's delivery log, against a real receiver on 127.0.0.1 and with
a controlled clock: every try is kept with its time, address, answer (or why none came),
try number and contact; the log page shows them with the reason of each failure, filtered
by outcome, and never the signing secret."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from convener.campaigns import actions, engine, runner, webhook_log
from convener.campaigns.models import EventType, Step, StepState, WebhookDelivery
from convener.campaigns.webhook_log import shown_url
from convener.team.models import User
from tests.access.support import colleague
from tests.campaigns.support import campaign, event
from tests.dates import utc, winter_day
from tests.loopback import LoopbackHandler, LoopbackServer, serving
from tests.segments.support import acme_contacts

pytestmark = pytest.mark.django_db

NOW = utc(winter_day(), 8)
SECRET = "whsec-do-not-show-7f3a"


class Receiver(LoopbackServer):
    """Answers each contact's deliveries with the statuses it is given, in turn (then 200),
    and keeps what it received."""

    def __init__(self, answers: dict[str, list[int]]) -> None:
        super().__init__(Handler)
        self.answers = answers
        self.received: list[tuple[dict[str, str], bytes]] = []


class Handler(LoopbackHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.read_body()
        self.server.received.append((dict(self.headers), body))
        email = json.loads(body)["contact"]["email"]
        queue = self.server.answers.get(email, [])
        self.answer_json(queue.pop(0) if queue else 200, {"ok": True})


def tried(email: str) -> list[tuple[int, int | None, str]]:
    return list(
        WebhookDelivery.objects.filter(contact__email=email)
        .order_by("attempt")
        .values_list("attempt", "status_code", "outcome")
    )


def test_every_try_is_logged_and_the_log_says_why_without_the_secret(
    logged_in: Client, member: User
) -> None:
    ann, bea, cem = acme_contacts(member, "Ann", "Bea", "Cem")
    journey = campaign(member)
    receiver = Receiver({bea.email: [410], cem.email: [503]})
    with serving(receiver):
        hook = event(
            journey,
            EventType.SEND_WEBHOOK,
            settings={"url": f"{receiver.url}/hooks/catch/42/", "secret": SECRET},
        )
        engine.enter(journey, [ann.pk, bea.pk, cem.pk], how="API", now=NOW)
        runner.run_due(NOW)
        runner.run_due(NOW + timedelta(hours=2))  # Cem's retry, once its backoff is over

    assert tried(ann.email) == [(1, 200, "delivered")]
    assert tried(bea.email) == [(1, 410, "refused")]
    assert tried(cem.email) == [(1, 503, "failed"), (2, 200, "delivered")]
    first = WebhookDelivery.objects.get(contact=cem, attempt=1)
    assert first.sent_at == NOW and first.url == f"{receiver.url}/hooks/catch/42/"
    assert first.why == "The webhook answered 503" and first.step.event_id == hook.pk
    assert WebhookDelivery.objects.get(contact=cem, attempt=2).sent_at > NOW
    # What was sent is what was logged: one POST per try, the step's id as delivery id.
    assert len(receiver.received) == 4
    headers, body = receiver.received[0]
    assert headers["X-Convener-Signature"] == f"sha256={actions.signature(SECRET, body)}"
    assert Step.objects.filter(pk=int(headers["X-Convener-Delivery"]), event=hook).exists()
    assert Step.objects.get(event=hook, contact=bea).state == StepState.FAILED

    page = logged_in.get(f"/campaigns/events/{hook.pk}/deliveries/").content.decode()
    assert "All (4)" in page and "Delivered (2)" in page and "Refused (1)" in page
    assert "The webhook refused it (410)" in page and "The webhook answered 503" in page
    assert f"{receiver.url}/hooks/catch/42/" in page  # the owner sees the whole address
    assert SECRET not in page
    refused = logged_in.get(f"/campaigns/events/{hook.pk}/deliveries/?state=refused")
    assert 'data-delivery="bea@acme.example"' in refused.content.decode()
    assert 'data-delivery="ann@acme.example"' not in refused.content.decode()
    builder = logged_in.get(f"/campaigns/{journey.pk}/").content.decode()
    assert f'href="/campaigns/events/{hook.pk}/deliveries/"' in builder


def test_an_unreachable_receiver_is_logged_with_the_error(member: User, settings: Any) -> None:
    settings.RETRY_MAX_ATTEMPTS = 2
    (ann,) = acme_contacts(member, "Ann")
    journey = campaign(member)
    closed = LoopbackServer(LoopbackHandler)  # bound, then closed: nothing listens there
    url = f"{closed.url}/in"
    closed.server_close()
    event(journey, EventType.SEND_WEBHOOK, settings={"url": url, "secret": SECRET})
    engine.enter(journey, [ann.pk], how="API", now=NOW)
    runner.run_due(NOW)
    runner.run_due(NOW + timedelta(hours=2))
    rows = list(WebhookDelivery.objects.order_by("attempt"))
    assert [(r.attempt, r.status_code, r.outcome) for r in rows] == [
        (1, None, "failed"),
        (2, None, "failed"),
    ]
    assert all(r.why.startswith("The webhook could not be reached: ") for r in rows)
    assert Step.objects.get().result.startswith("Gave up after 2 tries")


def test_someone_who_may_not_change_the_campaign_sees_only_the_receivers_host(
    client: Client, member: User
) -> None:
    (ann,) = acme_contacts(member, "Ann")
    journey = campaign(member)
    hook = event(
        journey,
        EventType.SEND_WEBHOOK,
        settings={"url": "https://hooks.example/catch/4242/tok3n/?k=v", "secret": SECRET},
    )
    assert engine.enter(journey, [ann.pk], how="API", now=NOW).entered == 1
    WebhookDelivery.objects.create(
        event=hook,
        step=Step.objects.get(),
        contact=ann,
        attempt=1,
        sent_at=NOW,
        url="https://hooks.example/catch/4242/tok3n/?k=v",
        status_code=500,
        outcome="failed",
        why="The webhook answered 500",
    )
    client.force_login(colleague())
    page = client.get(f"/campaigns/events/{hook.pk}/deliveries/").content.decode()
    assert "https://hooks.example/…" in page and "tok3n" not in page
    assert "The webhook answered 500" in page and SECRET not in page


@pytest.mark.parametrize(
    ("url", "whole", "shown"),
    [
        ("https://u:pw@hooks.example:8443/a/b?x=1", True, "https://u@hooks.example:8443/a/b?x=1"),
        ("https://u:pw@hooks.example:8443/a/b?x=1", False, "https://hooks.example:8443/…"),
        ("http://[::1]:9000/", False, "http://[::1]:9000"),
    ],
)
def test_an_address_is_shown_without_its_password(url: str, whole: bool, shown: str) -> None:
    assert shown_url(url, whole=whole) == shown


def test_the_log_keeps_tries_for_the_days_it_says_and_the_worker_removes_older_ones(
    logged_in: Client, member: User, settings: Any
) -> None:
    settings.CAMPAIGN_WEBHOOK_LOG_DAYS = 30
    ann, bea = acme_contacts(member, "Ann", "Bea")
    journey = campaign(member)
    receiver = Receiver({})
    with serving(receiver):
        hook = event(journey, EventType.SEND_WEBHOOK, settings={"url": f"{receiver.url}/h"})
        engine.enter(journey, [ann.pk], how="API", now=NOW)
        runner.run_due(NOW)
        later = NOW + timedelta(days=20)
        engine.enter(journey, [bea.pk], how="API", now=later)
        runner.run_due(later)

    # The page says how long tries are kept.
    page = logged_in.get(f"/campaigns/events/{hook.pk}/deliveries/")
    assert "Tries are kept for 30 days." in page.content.decode()

    # 31 days after Ann's try, it goes; Bea's, 11 days old, stays.
    assert webhook_log.forget_old(NOW + timedelta(days=31)) == 1
    assert tried(ann.email) == []
    assert tried(bea.email) == [(1, 200, "delivered")]
    # Her journey still says the webhook was delivered.
    assert Step.objects.get(contact=ann, event=hook).state == StepState.DONE
