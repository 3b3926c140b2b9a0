"""Each sender's preset, with the signature computed the way that sender computes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from convener.hooks.models import Webhook
from convener.meetings.models import Meeting
from convener.team.models import User
from tests.hooks import senders
from tests.hooks.support import body_of, deliver, make_hook, outcome

pytestmark = pytest.mark.django_db

MAUTIC_MAPPING = [
    {
        "path": "mautic.lead_post_save_update.0.contact.fields.core.email.value",
        "target": "email",
    },
    {
        "path": "mautic.lead_post_save_update[0].contact.fields.core.firstname.value",
        "target": "first_name",
    },
]


def mautic_payload(stamp: datetime) -> dict[str, object]:
    """The shape of Mautic's "Contact Updated" webhook (event key with a dot in it)."""
    contact = {
        "id": 42,
        "fields": {
            "core": {
                "email": {"alias": "email", "value": "lin@client.example"},
                "firstname": {"alias": "firstname", "value": "Lin"},
            }
        },
    }
    return {
        "mautic.lead_post_save_update": [{"contact": contact, "timestamp": stamp.isoformat()}],
        "timestamp": stamp.isoformat(),
    }


def test_mautic_signs_the_raw_body_in_base64(client: Client, member: User) -> None:
    _, token, secret = make_hook(
        member, preset=Webhook.Preset.MAUTIC, mapping=MAUTIC_MAPPING, event_id_path=""
    )
    body = body_of(mautic_payload(datetime.now(UTC)))

    answer = deliver(client, token, body, senders.mautic(secret, body))

    assert outcome(client, answer)["state"] == "planned"
    assert Meeting.objects.get().contact.first_name == "Lin"  # type: ignore[union-attr]


def test_mautic_sent_again_is_a_replay_and_makes_nothing(client: Client, member: User) -> None:
    _, token, secret = make_hook(
        member, preset=Webhook.Preset.MAUTIC, mapping=MAUTIC_MAPPING, event_id_path=""
    )
    body = body_of(mautic_payload(datetime.now(UTC)))

    first = deliver(client, token, body, senders.mautic(secret, body))
    again = deliver(client, token, body, senders.mautic(secret, body))

    assert again.status_code == 409
    assert outcome(client, first)["state"] == "planned"
    assert Meeting.objects.count() == 1


def test_mautic_payload_older_than_an_hour_is_stale(client: Client, member: User) -> None:
    _, token, secret = make_hook(
        member, preset=Webhook.Preset.MAUTIC, mapping=MAUTIC_MAPPING, event_id_path=""
    )
    body = body_of(mautic_payload(datetime.now(UTC) - timedelta(hours=2)))

    answer = deliver(client, token, body, senders.mautic(secret, body))

    assert answer.status_code == 401
    assert answer.json()["errors"][0]["field"] == "timestamp"


def hubspot_hook(member: User) -> tuple[str, str]:
    _, token, secret = make_hook(
        member,
        preset=Webhook.Preset.HUBSPOT,
        mapping=[
            {"path": "email", "target": "email"},
            {"path": "firstname", "target": "first_name"},
        ],
        event_id_path="",
    )
    return token, secret


def test_hubspot_v3_signs_method_uri_body_and_timestamp(client: Client, member: User) -> None:
    token, secret = hubspot_hook(member)
    body = body_of({"email": "kim@client.example", "firstname": "Kim"})
    uri = f"http://testserver/hooks/in/{token}/"

    answer = deliver(
        client, token, body, senders.hubspot_v3(secret, "POST", uri, body, datetime.now(UTC))
    )

    assert answer.status_code == 202, answer.content


def test_hubspot_signing_the_https_address_behind_a_proxy_is_accepted(
    client: Client, member: User
) -> None:
    token, secret = hubspot_hook(member)
    body = body_of({"email": "kim@client.example"})
    uri = f"https://testserver/hooks/in/{token}/"  # TLS ended at the proxy

    answer = deliver(
        client, token, body, senders.hubspot_v3(secret, "POST", uri, body, datetime.now(UTC))
    )

    assert answer.status_code == 202


def test_hubspot_after_five_minutes_is_refused(client: Client, member: User) -> None:
    token, secret = hubspot_hook(member)
    body = body_of({"email": "kim@client.example"})
    uri = f"http://testserver/hooks/in/{token}/"
    old = datetime.now(UTC) - timedelta(minutes=5, seconds=5)

    answer = deliver(client, token, body, senders.hubspot_v3(secret, "POST", uri, body, old))

    assert answer.status_code == 401
    assert answer.json()["errors"][0]["field"] == "X-HubSpot-Request-Timestamp"


def test_hubspot_signature_of_another_address_is_refused(client: Client, member: User) -> None:
    token, secret = hubspot_hook(member)
    body = body_of({"email": "kim@client.example"})
    uri = "https://elsewhere.example/hooks/in/x/"

    answer = deliver(
        client, token, body, senders.hubspot_v3(secret, "POST", uri, body, datetime.now(UTC))
    )

    assert answer.status_code == 401
    assert answer.json()["errors"][0]["field"] == "X-HubSpot-Signature-v3"


def test_generic_accepts_either_signature_while_the_sender_changes_secret(
    client: Client, member: User
) -> None:
    _, token, secret = make_hook(member)
    body = body_of({"id": "g1", "contact": {"email": "g@client.example"}})
    now = datetime.now(UTC)
    right = senders.generic(secret, body, now)["Convener-Signature"]
    wrong = senders.generic("old-secret", body, now)["Convener-Signature"]
    both = f"{wrong},{right.split(',')[1]}"

    answer = deliver(client, token, body, {"Convener-Signature": both})

    assert answer.status_code == 202
