"""What the outage tests share: the three providers' fakes over HTTP on 127.0.0.1, each
with an account connected through its consent page as a person would, a way to break
that account (its refresh token revoked, its access tokens expired) and to reconnect it,
and the checks a person would make afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.scheduling.request import ScheduleOutcome
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.scheduling.support import OWNER, connect_google, connect_zoom, fast, in_days, run

PROVIDERS = ("zoom", "google_meet", "microsoft_teams")


def fake(server: FakeServer, path: str, body: dict[str, Any] | None = None) -> Any:
    """GET (no body) or POST one of a fake's control routes; its JSON answer."""
    if body is None:
        answer = httpx2.get(f"{server.url}/_fake/{path}", timeout=30)
    else:
        answer = httpx2.post(f"{server.url}/_fake/{path}", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


@dataclass
class Account:
    """One provider's fake and the member's account connected at it."""

    provider: str
    server: FakeServer
    client: Any
    member: User

    @property
    def connection(self) -> Connection:
        return Connection.objects.get(provider=self.provider, user=self.member)

    def connect(self) -> Connection:
        """Press Connect (or Reconnect) and allow, as the member."""
        from tests.connections.support import connect_through_oauth

        if self.provider == "zoom":
            return connect_zoom(self.client, self.member)
        if self.provider == "google_meet":
            return connect_google(self.client, self.member)
        self.client.force_login(self.member)
        answer = connect_through_oauth(self.client, self.provider, OWNER)
        assert answer.status_code == 302
        return fast(self.connection)

    def revoke(self) -> None:
        """The owner revokes Convener's access at the provider: the refresh token dies,
        and the access token Convener holds is refused from now on."""
        fake(self.server, "revoke", {"email": OWNER})
        fake(self.server, "expire-access-tokens", {})

    def live_keys(self) -> list[str]:
        """The Convener keys of the meetings the provider holds live, one per meeting
        (a key twice is a meeting made twice)."""
        return live_keys(self.provider, self.server)


def live_keys(provider: str, server: FakeServer) -> list[str]:
    state = fake(server, "state")
    if provider == "zoom":
        return [m["key"] for m in state["meetings"] if not m["deleted"]]
    if provider == "google_meet":
        events = state["accounts"].get(OWNER, {}).get("events", [])
        return [e["convener_key"] for e in events if not e["deleted"]]
    return [
        e["transactionId"]
        for mailbox in state["events"].values()
        for e in mailbox
        if not e["deleted"] and not e["cancelled"]
    ]


def schedule_for(member: User, contact: Contact, provider: str, source: str) -> ScheduleOutcome:
    """A one-off call with the contact on `provider`, as the popup asks for it; nothing
    runs until the test drains the lane."""
    return schedule_one_off(
        [contact],
        OneOffMeeting(
            title="Call", timezone="Europe/Berlin", start=in_days(14, 10), provider=provider
        ),
        requested_by=member,
        trigger=TriggerRef(TriggerKind.CONTACT, source),
    )


def waiting_under_active(meetings: list[Meeting]) -> list[Meeting]:
    """Meetings left waiting for a connection that is active: stuck for good."""
    return [
        m
        for m in meetings
        if m.state == MeetingState.WAITING_CONNECTION
        and m.connection is not None
        and m.connection.status == Connection.Status.ACTIVE
    ]


__all__ = ["Account", "fake", "live_keys", "run", "schedule_for"]
