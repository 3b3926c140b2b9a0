"""A webhook to deliver to, and deliveries posted with the Django test client."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.test import Client
from django.urls import reverse

from convener.hooks.models import Webhook
from convener.hooks.signing import SCHEMES
from convener.meetings.models import MeetingAction
from convener.team.models import User
from tests.conftest import run_worker
from tests.hooks import senders

MAPPING = [
    {"path": "contact.email", "target": "email"},
    {"path": "contact.first_name", "target": "first_name"},
    {"path": "contact.zone", "target": "timezone"},
    {"path": "contact.preferred", "target": "fields.preferred"},
]


def make_hook(
    owner: User,
    *,
    preset: str = Webhook.Preset.GENERIC,
    action: MeetingAction | None = None,
    mapping: list[dict[str, str]] | None = None,
    event_id_path: str = "id",
) -> tuple[Webhook, str, str]:
    """A webhook, its URL token and its secret."""
    action = action or MeetingAction.objects.create(
        name="Demo call", provider="jitsi", timing={"mode": "immediate"}
    )
    hook = Webhook(
        name="Marketing suite",
        action=action,
        preset=preset,
        signature_header=SCHEMES[preset].header,
        mapping=MAPPING if mapping is None else mapping,
        event_id_path=event_id_path,
        created_by=owner,
    )
    token, secret = hook.seal()
    hook.save()
    return hook, token, secret


def body_of(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def deliver(
    client: Client,
    token: str,
    body: bytes,
    headers: dict[str, str],
    content_type: str = "application/json",
) -> Any:
    return client.post(
        reverse("hook_receive", kwargs={"slug": token}),
        body,
        content_type=content_type,
        headers=headers,
    )


def signed_generic(
    client: Client, token: str, secret: str, payload: Any, at: datetime, **headers: str
) -> Any:
    body = body_of(payload)
    return deliver(client, token, body, {**senders.generic(secret, body, at), **headers})


def outcome(client: Client, answer: Any) -> Any:
    """What a sender reads at the status URL of a 202 once the worker has run the
    delivery (as it does a moment later in production)."""
    assert answer.status_code == 202, answer.content
    run_worker()
    status = client.get(urlsplit(answer.json()["status_url"]).path)
    assert status.status_code == 200
    return status.json()
