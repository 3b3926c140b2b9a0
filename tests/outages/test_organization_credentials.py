"""Issue 17, 3: organization credentials break (a rotated client secret); the
administrator enters them again, checked with another user. That repairs the
organization account, rather than adding a second one, and its waiting meetings are
made."""

from __future__ import annotations

from collections import Counter
from html import unescape
from typing import Any, cast

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.hosting import HostChoice
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from fakeproviders.harness import FakeServer
from fakeproviders.zoom import FakeZoom
from fakeproviders.zoom_model import ACCOUNT_ID, S2S_CLIENT_ID
from tests.conftest import Inbox
from tests.outages.support import fake, live_keys
from tests.scheduling.support import CONTACT, fast, in_days, invites, run

pytestmark = pytest.mark.django_db


def enter_credentials(client: Any, secret: str, check_user: str) -> Any:
    return client.post(
        "/connections/zoom/organization/",
        {
            "account_id": ACCOUNT_ID,
            "client_id": S2S_CLIENT_ID,
            "client_secret": secret,
            "test_user": check_user,
        },
    )


def on_organization(person: User, contact: Contact, source: str) -> Meeting:
    outcome = schedule_one_off(
        [contact],
        OneOffMeeting(
            title="Intro",
            timezone="Europe/Paris",
            start=in_days(3, 10),
            provider="zoom",
            host=HostChoice.ORGANIZATION,
        ),
        requested_by=person,
        trigger=TriggerRef(TriggerKind.CONTACT, source),
    )
    return Meeting.objects.get(pk=outcome.created_ids[0])


def test_credentials_entered_again_with_another_user_repair_the_account_and_resume(
    client: Any, member: User, contact: Contact, zoom: FakeServer, smtp_server: Inbox
) -> None:
    admin = User.objects.create_superuser("root", "root@example.com", "pw-for-root-123")
    client.force_login(admin)
    form = client.get("/connections/zoom/organization/").content.decode()
    assert "Only to check the credentials now" in unescape(form)
    zoom_app = cast(FakeZoom, zoom.app)
    secret = zoom_app.s2s_client_secret
    assert enter_credentials(client, secret, "alice@example.com").status_code == 302
    organization = fast(Connection.objects.get(provider="zoom", level="organization"))

    # The client secret is rotated at Zoom: the stored one no longer gets a token.
    zoom_app.s2s_client_secret = "rotated-" + secret
    fake(zoom, "expire-access-tokens", {})
    waiting = [on_organization(member, contact, f"w{n}") for n in range(2)]
    run(waiting[0])
    organization.refresh_from_db()
    assert organization.status == Connection.Status.NEEDS_RECONNECT
    for meeting in waiting:
        meeting.refresh_from_db()
        assert meeting.state == MeetingState.WAITING_CONNECTION, meeting.state_reason
    page = client.get("/connections/").content.decode()
    assert "Re-enter credentials" in page
    # The page and the reconnect that follows count the same meetings.
    assert "2 meetings wait for the reconnect" in page

    answer = enter_credentials(client, zoom_app.s2s_client_secret, "carol@example.com")
    assert answer.status_code == 302, answer.content.decode()
    (repaired,) = Connection.objects.filter(provider="zoom", level="organization")
    assert repaired.pk == organization.pk
    assert repaired.status == Connection.Status.ACTIVE
    messages = [str(m) for m in client.get("/connections/").context["messages"]]
    assert any("2 waiting meetings resumed" in m for m in messages), messages

    run(waiting[0])
    for meeting in waiting:
        meeting.refresh_from_db()
        assert meeting.state == "invited", meeting.state_reason
    live = Counter(live_keys("zoom", zoom))
    assert all(live[m.key] == 1 for m in waiting)
    assert len(invites(smtp_server, CONTACT)) == 2
