"""Issue 17, 1: the owner reconnects as soon as the Connections page shows the account
needs it, while meetings are in flight. Every meeting ends invited (or cancelled at the
provider), none is made twice, and none is left waiting under an active connection.

The reconnect is made to land at the two moments that stranded meetings: after a step
read its meeting with the connection row, before it judged the account by that row; and
after a call was refused, before the meeting was parked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.dispatch import provider_step, sync
from convener.meetings import state
from convener.meetings.models import Meeting, MeetingState
from convener.scheduling import lifecycle
from convener.team.models import User
from tests.conftest import Inbox
from tests.outages.support import Account, run, schedule_for
from tests.scheduling.support import CONTACT, invites

pytestmark = pytest.mark.django_db


def reconnect_once(account: Account) -> Callable[[], bool]:
    """Reconnects the account the first time it is called while the account needs it;
    returns whether it did."""
    done: list[bool] = []

    def maybe() -> bool:
        if done or account.connection.status == Connection.Status.ACTIVE:
            return False
        done.append(True)
        account.connect()
        return True

    return maybe


def assert_nothing_stranded(account: Account, meetings: list[Meeting]) -> None:
    for meeting in meetings:
        meeting.refresh_from_db()
    assert account.connection.status == Connection.Status.ACTIVE
    stuck = [(m.pk, m.state, m.state_reason) for m in meetings if m.state != "invited"]
    assert not stuck, stuck
    live = Counter(account.live_keys())
    assert all(live[m.key] == 1 for m in meetings), live


def test_a_reconnect_after_a_step_read_the_connection_still_makes_its_meeting(
    account: Account, member: User, contact: Contact, smtp_server: Inbox, monkeypatch: Any
) -> None:
    first = Meeting.objects.get(
        pk=schedule_for(member, contact, account.provider, "a").created_ids[0]
    )
    second = Meeting.objects.get(
        pk=schedule_for(member, contact, account.provider, "b").created_ids[0]
    )
    account.revoke()
    reconnect = reconnect_once(account)
    real = state.next_operation

    def read_then_reconnect(meeting: Meeting) -> Any:
        # The step has read the meeting and its connection ("needs reconnecting", marked
        # by the first meeting's refused renewal); the owner reconnects now.
        if meeting.pk == second.pk:
            reconnect()
        return real(meeting)

    monkeypatch.setattr(sync, "next_operation", read_then_reconnect)
    run(first)
    assert_nothing_stranded(account, [first, second])
    assert len(invites(smtp_server, CONTACT)) == 2


@pytest.mark.parametrize("operation", ["create", "cancel"])
def test_a_reconnect_between_a_refused_call_and_the_park_does_not_strand_the_meeting(
    account: Account,
    member: User,
    contact: Contact,
    smtp_server: Inbox,
    monkeypatch: Any,
    operation: str,
) -> None:
    meeting = Meeting.objects.get(
        pk=schedule_for(member, contact, account.provider, "c").created_ids[0]
    )
    if operation == "cancel":
        run(meeting)
        assert meeting.state == MeetingState.INVITED, meeting.state_reason
        account.revoke()
        lifecycle.cancel(meeting, by=member)
    else:
        account.revoke()
    reconnect = reconnect_once(account)
    real = provider_step._close_attempt

    def close_then_reconnect(*args: Any) -> None:
        real(*args)
        reconnect()  # the call was refused; the owner reconnects before the park

    monkeypatch.setattr(provider_step, "_close_attempt", close_then_reconnect)
    run(meeting)
    assert account.connection.status == Connection.Status.ACTIVE
    if operation == "create":
        assert_nothing_stranded(account, [meeting])
        assert len(invites(smtp_server, CONTACT)) == 1
    else:
        assert meeting.state == MeetingState.CANCELLED, (meeting.state, meeting.state_reason)
        assert meeting.key not in account.live_keys()
        assert [i.method for i in invites(smtp_server, CONTACT)] == ["REQUEST", "CANCEL"]


def test_an_active_connection_releases_meetings_left_waiting_on_it(
    account: Account, member: User, contact: Contact, smtp_server: Inbox
) -> None:
    """The backstop: a meeting parked by any path that missed the reconnect is released
    by the next sweep, because its connection is active."""
    from convener.dispatch.sweeper import sweep

    meeting = Meeting.objects.get(
        pk=schedule_for(member, contact, account.provider, "d").created_ids[0]
    )
    Meeting.objects.filter(pk=meeting.pk).update(
        state=MeetingState.WAITING_CONNECTION, state_reason="reconnect", next_attempt_at=None
    )
    sweep()
    run(meeting)
    assert_nothing_stranded(account, [meeting])
