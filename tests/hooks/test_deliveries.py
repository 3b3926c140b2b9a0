"""Signed deliveries to a webhook, as a sender makes them: what each answers, what it
saves, and what the log shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from convener.crm.models import Contact, CustomField
from convener.hooks.models import HookDelivery, Webhook
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import User
from tests.dates import at, winter_day
from tests.hooks import senders
from tests.hooks.support import body_of, deliver, make_hook, outcome, signed_generic

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "id": "evt-1001",
    "contact": {"email": "Ada@Client.example", "first_name": "Ada", "zone": "Europe/Paris"},
}


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def hook(member: User) -> tuple[Webhook, str, str]:
    return make_hook(member)


def test_a_valid_delivery_makes_the_contact_and_the_meeting_and_answers_its_id(
    client: Client, hook: tuple[Webhook, str, str], member: User
) -> None:
    _, token, secret = hook

    answer = signed_generic(client, token, secret, PAYLOAD, now())

    assert answer.status_code == 202
    accepted = answer.json()
    assert accepted["state"] == "processing" and accepted["repeated"] is False
    assert accepted["event_id"] == "evt-1001" and accepted["meeting"] is None
    assert not Meeting.objects.exists()  # the worker makes it, behind the answer
    assert HookDelivery.objects.get().outcome == "processing"
    body = outcome(client, answer)
    meeting = Meeting.objects.get()
    assert body["meeting"] == meeting.pk and body["state"] == "planned"
    assert body["delivery"] == accepted["delivery"] and body["event_id"] == "evt-1001"
    assert body["start"] == meeting.start.isoformat() and body["timezone"] == meeting.timezone
    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.timezone, contact.owner) == (
        "Ada@Client.example",
        "Ada",
        "Europe/Paris",
        member,
    )
    logged = HookDelivery.objects.get()
    assert (logged.outcome, logged.status, logged.meeting) == ("planned", 202, meeting)


def test_a_bad_signature_is_refused_and_saves_nothing_but_the_log_row(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, _ = hook

    answer = signed_generic(client, token, "not-the-secret", PAYLOAD, now())

    assert answer.status_code == 401
    assert answer.json()["errors"][0]["field"] == "Convener-Signature"
    assert not Contact.objects.exists() and not Meeting.objects.exists()
    assert HookDelivery.objects.get().outcome == "refused"


def test_an_unsigned_delivery_is_refused(client: Client, hook: tuple[Webhook, str, str]) -> None:
    _, token, _ = hook

    answer = deliver(client, token, body_of(PAYLOAD), {})

    assert answer.status_code == 401
    assert "missing" in answer.json()["errors"][0]["message"]


def test_a_stale_timestamp_is_refused(client: Client, hook: tuple[Webhook, str, str]) -> None:
    _, token, secret = hook

    answer = signed_generic(client, token, secret, PAYLOAD, now() - timedelta(minutes=6))

    assert answer.status_code == 401
    assert "more than 5 minutes" in answer.json()["errors"][0]["message"]
    assert not Meeting.objects.exists()


def test_a_replay_of_the_same_signed_request_is_refused(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, secret = hook
    body = body_of(PAYLOAD)
    headers = senders.generic(secret, body, now())

    first = deliver(client, token, body, headers)
    outcome(client, first)
    again = deliver(client, token, body, headers)

    assert first.status_code == 202
    assert again.status_code == 409
    assert "already received" in again.json()["errors"][0]["message"]
    assert Meeting.objects.count() == 1
    logged = list(HookDelivery.objects.order_by("pk"))
    assert [(d.outcome, d.event_id) for d in logged] == [
        ("planned", "evt-1001"),
        ("replayed", "evt-1001"),
    ]


def test_a_retried_event_signed_again_finds_the_meeting_it_made(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, secret = hook

    first = signed_generic(client, token, secret, PAYLOAD, now() - timedelta(seconds=30))
    made = outcome(client, first)
    retry = signed_generic(client, token, secret, PAYLOAD, now())

    assert retry.status_code == 202
    assert retry.json()["meeting"] == made["meeting"] is not None
    assert retry.json()["delivery"] == first.json()["delivery"]
    assert retry.json()["repeated"] is True
    assert Meeting.objects.count() == 1
    assert HookDelivery.objects.order_by("pk").last().outcome == "repeated"  # type: ignore[union-attr]


def test_an_idempotency_key_header_is_the_event_id(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, secret = hook
    other = {**PAYLOAD, "id": "evt-other"}

    first = signed_generic(client, token, secret, PAYLOAD, now(), **{"Idempotency-Key": "k-1"})
    second = signed_generic(client, token, secret, other, now(), **{"Idempotency-Key": "k-1"})

    assert first.json()["event_id"] == "k-1"
    assert second.json()["repeated"] is True
    assert outcome(client, second)["meeting"] == outcome(client, first)["meeting"] is not None
    assert Meeting.objects.count() == 1


def test_a_malformed_body_is_refused_saying_why(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, secret = hook
    body = b'{"contact": {"email": '

    answer = deliver(client, token, body, senders.generic(secret, body, now()))

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "body"
    assert "not valid JSON" in answer.json()["errors"][0]["message"]


def test_a_wrong_value_is_named_by_its_payload_path(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, secret = hook
    payload = {"id": "e2", "contact": {"email": "not-an-address", "zone": "Mars/Olympus"}}

    answer = signed_generic(client, token, secret, payload, now())

    assert answer.status_code == 422
    fields = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert set(fields) == {"contact.email", "contact.zone"}
    assert fields["contact.zone"].startswith("Time zone:")
    assert not Contact.objects.exists()


def test_a_payload_without_the_email_says_where_it_was_looked_for(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, secret = hook

    answer = signed_generic(client, token, secret, {"id": "e3", "contact": {}}, now())

    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "field": "contact.email",
            "message": "Email: no email address at contact.email; every contact needs one",
        }
    ]


def test_an_object_where_a_value_belongs_is_refused(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, secret = hook
    payload = {"id": "e4", "contact": {"email": "a@client.example", "first_name": {"x": 1}}}

    answer = signed_generic(client, token, secret, payload, now())

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "contact.first_name"


def test_a_preferred_time_is_read_into_the_field_the_action_plans_from(
    client: Client, member: User
) -> None:
    CustomField.objects.create(key="preferred", label="Preferred", kind=CustomField.Kind.DATETIME)
    action = MeetingAction.objects.create(
        name="At their time",
        provider="jitsi",
        timing={"mode": "field", "field": "preferred"},
        timezone_chain=["contact", "default"],
    )
    _, token, secret = make_hook(member, action=action)
    day = winter_day()
    payload = {
        "id": "e5",
        "contact": {"email": "t@client.example", "zone": "Europe/Berlin", "preferred": at(day, 15)},
    }

    answer = signed_generic(client, token, secret, payload, now())

    body = outcome(client, answer)
    meeting = Meeting.objects.get()
    # 15:00 in Berlin in winter (UTC+1).
    assert meeting.start == datetime(day.year, day.month, day.day, 14, tzinfo=UTC)
    assert datetime.fromisoformat(body["start"]) == meeting.start
    assert body["timezone"] == "Europe/Berlin"


def test_a_preferred_time_in_the_past_is_refused_naming_its_path(
    client: Client, member: User
) -> None:
    CustomField.objects.create(key="preferred", label="Preferred", kind=CustomField.Kind.DATETIME)
    action = MeetingAction.objects.create(
        name="At their time", provider="jitsi", timing={"mode": "field", "field": "preferred"}
    )
    _, token, secret = make_hook(member, action=action)
    payload = {
        "id": "e6",
        "contact": {"email": "p@client.example", "preferred": "2001-01-01T10:00"},
    }

    answer = signed_generic(client, token, secret, payload, now())

    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "contact.preferred"
    assert not Contact.objects.exists()


def test_an_action_no_account_can_host_is_answered_and_logged_with_the_reason(
    client: Client, member: User
) -> None:
    action = MeetingAction.objects.create(
        name="Zoom call", provider="zoom", timing={"mode": "immediate"}
    )
    _, token, secret = make_hook(member, action=action)

    answer = signed_generic(client, token, secret, PAYLOAD, now())

    body = outcome(client, answer)
    assert body["state"] == "skipped" and body["meeting"] is None and body["skipped"]
    assert Contact.objects.filter(email="Ada@Client.example").exists()
    logged = HookDelivery.objects.get()
    assert logged.outcome == "skipped" and logged.reason == body["skipped"]


def test_a_disabled_webhook_refuses_and_runs_nothing(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    webhook, token, secret = hook
    Webhook.objects.filter(pk=webhook.pk).update(enabled=False)

    answer = signed_generic(client, token, secret, PAYLOAD, now())

    assert answer.status_code == 410
    assert not Meeting.objects.exists()


def test_an_unknown_address_is_not_found(client: Client, hook: tuple[Webhook, str, str]) -> None:
    _, token, secret = hook

    answer = signed_generic(client, token[:-2] + "xx", secret, PAYLOAD, now())

    assert answer.status_code == 404
    assert answer.json()["errors"][0]["field"] == "path"


def test_only_json_is_taken(client: Client, hook: tuple[Webhook, str, str]) -> None:
    _, token, secret = hook
    body = b"email=a%40client.example"

    answer = deliver(
        client,
        token,
        body,
        senders.generic(secret, body, now()),
        content_type="application/x-www-form-urlencoded",
    )

    assert answer.status_code == 415
    assert answer.json()["errors"][0]["field"] == "Content-Type"


def test_a_body_over_the_limit_is_refused(client: Client, hook: tuple[Webhook, str, str]) -> None:
    _, token, secret = hook
    body = b'{"pad": "' + b"x" * 300_000 + b'"}'

    answer = deliver(client, token, body, senders.generic(secret, body, now()))

    assert answer.status_code == 413


def test_the_secret_appears_in_no_answer_and_no_log_row(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, secret = hook

    answers = [
        signed_generic(client, token, secret, PAYLOAD, now()),
        signed_generic(client, token, "wrong", PAYLOAD, now()),
        signed_generic(client, token, secret, {"id": "x", "contact": {}}, now()),
    ]

    assert all(secret not in a.content.decode() for a in answers)
    assert all(secret not in d.reason for d in HookDelivery.objects.all())


def test_get_is_not_a_delivery(client: Client, hook: tuple[Webhook, str, str]) -> None:
    _, token, _ = hook

    answer = client.get(f"/hooks/in/{token}/")

    assert answer.status_code == 405 and answer["Allow"] == "POST"


def test_many_wrong_signatures_in_a_minute_are_slowed_and_a_right_one_still_passes(
    client: Client, hook: tuple[Webhook, str, str]
) -> None:
    _, token, secret = hook
    answers = [
        signed_generic(client, token, f"guess-{n}", PAYLOAD, now()).status_code for n in range(32)
    ]

    assert answers[:30] == [401] * 30 and answers[30:] == [429, 429]
    assert HookDelivery.objects.count() == 30
    assert signed_generic(client, token, secret, PAYLOAD, now()).status_code == 202
