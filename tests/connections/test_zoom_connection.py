"""Connecting Zoom, losing it, getting it back: the user's side of a connected account."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from fakeproviders import settings_for
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox, mail_text
from tests.connections.support import connect_through_oauth, subprocess_env


def fake_state(server: FakeServer) -> dict[str, Any]:
    return dict(httpx2.get(f"{server.url}/_fake/state").json())


def schedule_zoom(member: User, contacts: list[Contact], capture: Any) -> list[Meeting]:
    with capture(execute=True):
        outcome = schedule_one_off(
            contacts,
            OneOffMeeting(title="Zoom call", timezone="Europe/Berlin", provider="zoom"),
            requested_by=member,
            trigger=TriggerRef(TriggerKind.CONTACT, "tests"),
        )
    return list(Meeting.objects.filter(pk__in=outcome.created_ids).order_by("pk"))


@pytest.mark.django_db
def test_a_member_connects_zoom_and_gets_zoom_links_in_the_invitation(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(member)
    response = connect_through_oauth(client, "zoom", "ann@example.com")
    assert response.status_code == 302
    connection = Connection.objects.get()
    assert (connection.account_email, connection.status, connection.user) == (
        "ann@example.com",
        "active",
        member,
    )
    assert "access_token" not in connection.secret_blob  # encrypted at rest

    (meeting,) = schedule_zoom(member, [contact], django_capture_on_commit_callbacks)
    worker()
    meeting.refresh_from_db()
    assert meeting.state == "invited", meeting.state_reason
    remote = [m for m in fake_state(zoom)["meetings"] if not m["deleted"]]
    assert len(remote) == 1 and remote[0]["host_email"] == "ann@example.com"
    assert meeting.join_url and meeting.join_url.startswith(zoom.url)
    (mail,) = smtp_server.to("bob@example.org")
    assert meeting.join_url in mail_text(mail)


@pytest.mark.django_db
def test_a_revoked_token_parks_the_meetings_tells_the_owner_and_they_resume_on_reconnect(
    client: Any,
    member: User,
    zoom: FakeServer,
    smtp_server: Inbox,
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(member)
    connect_through_oauth(client, "zoom", "ann@example.com")
    contacts = [
        Contact.objects.create(email=f"c{n}@example.org", owner=member, timezone="Asia/Tokyo")
        for n in range(3)
    ]
    httpx2.post(f"{zoom.url}/_fake/revoke", json={"email": "ann@example.com"})
    httpx2.post(f"{zoom.url}/_fake/expire-access-tokens")

    meetings = schedule_zoom(member, contacts, django_capture_on_commit_callbacks)
    worker()
    for meeting in meetings:
        meeting.refresh_from_db()
        assert meeting.state == "waiting_connection", meeting.state_reason
        assert "reconnect" in meeting.state_reason
    connection = Connection.objects.get()
    assert connection.status == "needs_reconnect"
    assert fake_state(zoom)["meetings"] == []
    (notice,) = smtp_server.to("ann@example.com")
    assert notice["Subject"].startswith("Reconnect your zoom account")
    page = client.get("/connections/").content.decode()
    assert "Needs reconnecting" in page and "Reconnect" in page

    with django_capture_on_commit_callbacks(execute=True):
        connect_through_oauth(client, "zoom", "ann@example.com")
    assert Connection.objects.get().status == "active"
    assert Connection.objects.count() == 1  # the same connection, reconnected
    worker()
    for meeting in meetings:
        meeting.refresh_from_db()
        assert meeting.state == "invited", meeting.state_reason
    assert len([m for m in fake_state(zoom)["meetings"] if not m["deleted"]]) == 3
    assert len(smtp_server.to("ann@example.com")) == 1  # one notice, not one per meeting


REFRESH_SCRIPT = textwrap.dedent(
    """
    import sys, time, django
    django.setup()
    from convener.connections.tokens import ConnectionTokenSource
    from convener.providers.http import BearerAuth, make_client
    start_at = float(sys.argv[2])
    while time.time() < start_at:
        time.sleep(0.001)
    source = ConnectionTokenSource(int(sys.argv[1]))
    token = source.token()
    import os
    with make_client(os.environ["CONVENER_ZOOM_API_URL"], timeout=10,
                     auth=BearerAuth(source)) as http:
        me = http.get("/v2/users/me")
    print(token, me.status_code, me.json().get("email"))
    """
)


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_refreshing_one_zoom_connection_make_one_refresh(
    client: Any, member: User, zoom: FakeServer
) -> None:
    import time

    client.force_login(member)
    connect_through_oauth(client, "zoom", "ann@example.com")
    connection = Connection.objects.get()
    secrets = connection.secrets
    secrets["expires_at"] = 0  # due for a refresh in both processes at once
    connection.secrets = secrets
    connection.save()
    httpx2.post(f"{zoom.url}/_fake/expire-access-tokens")
    before = fake_state(zoom)["refreshes"]

    env = subprocess_env(**settings_for(zoom))
    start_at = str(time.time() + 3)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", REFRESH_SCRIPT, str(connection.pk), start_at],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [w.communicate(timeout=60) for w in workers]
    for process, (_, err) in zip(workers, results, strict=True):
        assert process.returncode == 0, err
    lines = [out.split() for out, _ in results]
    assert fake_state(zoom)["refreshes"] - before == 1
    assert lines[0][0] == lines[1][0]  # both use the one new token
    assert [line[1:] for line in lines] == [["200", "ann@example.com"]] * 2
    assert Connection.objects.get().status == "active"
