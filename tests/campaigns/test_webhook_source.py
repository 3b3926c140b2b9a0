"""An incoming webhook as a campaign source: each signed delivery puts its contact on the
journey, once however often the sender retries the same event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from convener.campaigns.models import Journey, Source
from convener.crm.models import Contact
from convener.team.models import User
from tests.campaigns.support import campaign
from tests.conftest import run_worker
from tests.hooks.support import make_hook, signed_generic

pytestmark = pytest.mark.django_db

PAYLOAD = {"id": "evt-7", "contact": {"email": "nia@client.example", "first_name": "Nia"}}


def test_a_delivery_enters_its_contact_once(client: Client, member: User) -> None:
    hook, token, secret = make_hook(member)
    journey = campaign(member)
    Source.objects.create(campaign=journey, kind=Source.Kind.WEBHOOK, webhook=hook)
    now = datetime.now(UTC)
    assert signed_generic(client, token, secret, PAYLOAD, now).status_code == 202
    assert signed_generic(client, token, secret, PAYLOAD, now).status_code in {202, 409}
    run_worker()  # the deliveries are processed behind the answer, as in production
    nia = Contact.objects.get(email="nia@client.example")
    assert list(Journey.objects.values_list("contact_id", "how")) == [
        (nia.pk, f"webhook {hook.pk}")
    ]
