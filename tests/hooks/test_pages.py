"""The administrators' webhook pages: made with a friendly mapping, the secret shown once,
rotated, disabled, tried with a sample, and the log in the viewer's zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from convener.hooks.models import HookDelivery, Webhook
from convener.meetings.models import MeetingAction
from convener.team.models import User
from tests.hooks.support import make_hook, outcome, signed_generic

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client: Client, db: Any) -> User:
    user = User.objects.create_superuser(
        "root", "root@example.com", "x", timezone="America/New_York"
    )
    client.force_login(user)
    return user


def new_hook_form(action: MeetingAction, **extra: str) -> dict[str, str]:
    return {
        "name": "HubSpot workflow",
        "action": str(action.pk),
        "preset": "hubspot_v3",
        "signature_header": "",
        "event_id_path": "",
        "default_owner": "",
        "secret": "",
        "map-TOTAL_FORMS": "2",
        "map-INITIAL_FORMS": "0",
        "map-0-path": "email",
        "map-0-target": "email",
        "map-1-path": "firstname",
        "map-1-target": "first_name",
        **extra,
    }


def shown_secret(html: str) -> str:
    found = re.search(r'id="hook-secret"[^>]*value="([^"]+)"', html)
    assert found, "no secret on the page"
    return found.group(1)


def test_the_new_page_offers_each_senders_preset_with_its_mapping(
    client: Client, admin: User
) -> None:
    page = client.get("/webhooks/new/?preset=mautic").content.decode()

    assert 'value="Webhook-Signature"' in page
    assert "mautic.lead_post_save_update.0.contact.fields.core.email.value" in page
    assert "Owner (a team member&#x27;s email)" in page  # the targets' labels


def test_a_new_webhook_shows_its_address_and_secret_once(client: Client, admin: User) -> None:
    action = MeetingAction.objects.create(name="Demo", provider="jitsi")

    made = client.post("/webhooks/new/", new_hook_form(action))

    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    webhook = Webhook.objects.get()
    html = made.content.decode()
    assert shown_secret(html) == webhook.secret
    assert f"/hooks/in/{webhook.token}/" in html
    assert webhook.signature_header == "X-HubSpot-Signature-v3"
    assert webhook.mapping == [
        {"path": "email", "target": "email"},
        {"path": "firstname", "target": "first_name"},
    ]
    for later in (f"/webhooks/{webhook.pk}/", f"/webhooks/{webhook.pk}/edit/", "/webhooks/"):
        assert webhook.secret not in client.get(later).content.decode()


def test_the_senders_own_secret_can_be_pasted(client: Client, admin: User) -> None:
    action = MeetingAction.objects.create(name="Demo", provider="jitsi")

    client.post("/webhooks/new/", new_hook_form(action, secret="hubspot-client-secret"))

    assert Webhook.objects.get().secret == "hubspot-client-secret"


def test_a_mapping_without_email_is_refused_next_to_the_rows(client: Client, admin: User) -> None:
    action = MeetingAction.objects.create(name="Demo", provider="jitsi")
    form = new_hook_form(action, **{"map-0-target": "last_name"})

    page = client.post("/webhooks/new/", form).content.decode()

    assert "Map a payload path to Email" in page
    assert not Webhook.objects.exists()


def test_a_path_without_its_field_is_named(client: Client, admin: User) -> None:
    action = MeetingAction.objects.create(name="Demo", provider="jitsi")
    form = new_hook_form(action, **{"map-1-target": ""})

    page = client.post("/webhooks/new/", form).content.decode()

    assert "Choose the contact field this path fills." in page


def test_editing_keeps_the_secret_and_the_address(client: Client, admin: User) -> None:
    webhook, token, secret = make_hook(admin)
    form = new_hook_form(webhook.action, name="Renamed", preset="generic")

    assert client.post(f"/webhooks/{webhook.pk}/edit/", form).status_code == 302

    webhook.refresh_from_db()
    assert (webhook.name, webhook.token, webhook.secret) == ("Renamed", token, secret)


def test_rotating_gives_a_new_secret_and_refuses_the_old_one(client: Client, admin: User) -> None:
    webhook, token, old = make_hook(admin)

    page = client.post(f"/webhooks/{webhook.pk}/rotate/").content.decode()

    new = shown_secret(page)
    assert new != old
    payload = {"id": "r1", "contact": {"email": "r@client.example"}}
    assert signed_generic(client, token, old, payload, datetime.now(UTC)).status_code == 401
    assert signed_generic(client, token, new, payload, datetime.now(UTC)).status_code == 202


def test_disabling_and_enabling(client: Client, admin: User) -> None:
    webhook, _, _ = make_hook(admin)

    client.post(f"/webhooks/{webhook.pk}/enable/")
    webhook.refresh_from_db()
    assert not webhook.enabled
    client.post(f"/webhooks/{webhook.pk}/enable/", {"enabled": "on"})
    webhook.refresh_from_db()
    assert webhook.enabled


def test_deleting_keeps_the_meetings_it_made(client: Client, admin: User) -> None:
    webhook, token, secret = make_hook(admin)
    payload = {"id": "d1", "contact": {"email": "d@client.example"}}
    answer = signed_generic(client, token, secret, payload, datetime.now(UTC))
    meeting_id = outcome(client, answer)["meeting"]

    client.post(f"/webhooks/{webhook.pk}/delete/")

    assert not Webhook.objects.exists()
    assert client.get(f"/meetings/{meeting_id}/").status_code == 200


def test_the_log_shows_each_delivery_in_the_viewers_zone_with_why(
    client: Client, admin: User
) -> None:
    webhook, token, secret = make_hook(admin)
    accepted = signed_generic(
        client,
        token,
        secret,
        {"id": "ok-1", "contact": {"email": "l@client.example"}},
        datetime.now(UTC),
    )
    waiting = client.get(f"/webhooks/{webhook.pk}/").content.decode()
    assert "Processing" in waiting and "Meeting planned" not in waiting
    outcome(client, accepted)
    signed_generic(
        client, token, secret, {"id": "bad", "contact": {"zone": "Nowhere"}}, datetime.now(UTC)
    )
    HookDelivery.objects.filter(event_id="ok-1").update(
        received_at=datetime(2030, 1, 15, 17, 5, tzinfo=UTC)
    )

    page = client.get(f"/webhooks/{webhook.pk}/").content.decode()

    assert "15 Jan 2030, 12:05:00" in page  # 17:05 UTC is 12:05 in New York in winter
    assert "Meeting planned" in page and "ok-1" in page
    assert "Payload refused" in page and "contact.email: Email: no email address" in page


def test_trying_a_sample_shows_what_it_would_do_without_saving(client: Client, admin: User) -> None:
    webhook, _, _ = make_hook(admin)
    sample = '{"contact": {"email": "try@client.example", "first_name": "Tru"}}'

    page = client.post(
        f"/webhooks/{webhook.pk}/try/", {"sample": sample}, headers={"HX-Request": "true"}
    ).content.decode()

    assert "add a new contact" in page and "Tru" in page and "plan a meeting on" in page
    assert not HookDelivery.objects.exists()
    from convener.crm.models import Contact

    assert not Contact.objects.exists()


def test_trying_a_wrong_sample_names_the_path(client: Client, admin: User) -> None:
    webhook, _, _ = make_hook(admin)

    page = client.post(
        f"/webhooks/{webhook.pk}/try/",
        {"sample": '{"contact": {"email": "nope"}}'},
        headers={"HX-Request": "true"},
    ).content.decode()

    assert "would be refused" in page and "contact.email" in page


def test_rotating_the_encryption_keys_keeps_the_webhooks_working(
    settings: Any, client: Client, admin: User
) -> None:
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    webhook, token, secret = make_hook(admin)
    settings.TOKEN_KEYS = [Fernet.generate_key().decode(), *settings.TOKEN_KEYS]

    call_command("rotate_webhook_keys", stdout=__import__("io").StringIO())

    settings.TOKEN_KEYS = settings.TOKEN_KEYS[:1]
    webhook.refresh_from_db()
    assert (webhook.token, webhook.secret) == (token, secret)


def test_choosing_another_sender_takes_its_header_but_keeps_a_typed_one(
    client: Client, admin: User
) -> None:
    webhook, _, _ = make_hook(admin)  # generic: Convener-Signature
    form = new_hook_form(webhook.action, preset="mautic", signature_header="Convener-Signature")

    client.post(f"/webhooks/{webhook.pk}/edit/", form)
    webhook.refresh_from_db()
    assert webhook.signature_header == "Webhook-Signature"

    client.post(f"/webhooks/{webhook.pk}/edit/", {**form, "signature_header": "X-Zap-Sig"})
    webhook.refresh_from_db()
    assert webhook.signature_header == "X-Zap-Sig"
