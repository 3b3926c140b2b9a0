"""Issue 17, 2: meetings asked for while their account needs reconnecting are kept, wait
(visibly, with the reason) and are made after the reconnect. A form, a campaign or a
work item cannot ask again; only a removed connection, or an account the person may not
use, refuses them."""

from __future__ import annotations

from collections import Counter
from html import unescape
from typing import Any

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import CredentialsPolicy, Meeting, MeetingAction, MeetingState
from convener.meetings.phases import phase_of
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.launch import launch_with_outcome
from convener.scheduling.preview import preview
from convener.scheduling.request import ScheduleRequest
from convener.team.models import User
from tests.conftest import Inbox
from tests.connections.support import connect_through_oauth
from tests.outages.support import Account, fake, run, schedule_for
from tests.scheduling.support import CONTACT, calls, fast, invites, new_calls

pytestmark = pytest.mark.django_db


def break_account(account: Account, member: User, contact: Contact) -> Meeting:
    """The owner revokes access; the next meeting's call finds out, and the Connections
    page shows the account needs reconnecting."""
    account.revoke()
    first = Meeting.objects.get(
        pk=schedule_for(member, contact, account.provider, "first").created_ids[0]
    )
    run(first)
    assert first.state == MeetingState.WAITING_CONNECTION
    assert account.connection.status == Connection.Status.NEEDS_RECONNECT
    return first


def test_a_meeting_asked_for_during_an_outage_waits_and_is_made_after_the_reconnect(
    account: Account, member: User, contact: Contact, smtp_server: Inbox
) -> None:
    first = break_account(account, member, contact)

    outcome = schedule_for(member, contact, account.provider, "during")
    (meeting_id,) = outcome.created_ids
    assert outcome.waiting_ids == [meeting_id]
    meeting = Meeting.objects.get(pk=meeting_id)
    assert meeting.state == MeetingState.WAITING_CONNECTION
    assert phase_of(meeting).label == "Waiting for a reconnect"
    assert "to be reconnected" in meeting.state_reason and OWNERISH in meeting.state_reason
    before = calls(account.server)
    run(meeting)
    assert meeting.state == MeetingState.WAITING_CONNECTION  # waits, without a call
    assert meeting.next_attempt_at is None
    assert meeting.attempt_log.count() == 0
    assert not {k for k in new_calls(account.server, before) if "token" not in k}, new_calls(
        account.server, before
    )

    account.connect()
    run(meeting)
    first.refresh_from_db()
    assert (first.state, meeting.state) == ("invited", "invited"), meeting.state_reason
    live = Counter(account.live_keys())
    assert live[first.key] == 1 and live[meeting.key] == 1
    assert len(invites(smtp_server, CONTACT)) == 2


OWNERISH = "ann@example.com"


def owners_action(provider: str, **fields: Any) -> MeetingAction:
    return MeetingAction.objects.create(
        name="Intro calls",
        provider=provider,
        credentials=CredentialsPolicy.CONTACT_OWNER,
        title_template="Intro call with {{ contact.name }}",
        duration_minutes=30,
        timing={"mode": "immediate"},
        **fields,
    )


@pytest.mark.parametrize("account", ["zoom"], indirect=True)
def test_a_bulk_launch_during_an_outage_keeps_every_meeting_and_says_how_many_wait(
    account: Account, member: User, contact: Contact, smtp_server: Inbox
) -> None:
    break_account(account, member, contact)
    others = [
        Contact.objects.create(email=f"c{n}@example.org", first_name=f"C{n}", owner=member)
        for n in range(3)
    ]
    action = owners_action("zoom")
    request = ScheduleRequest(
        action,
        [c.pk for c in others],
        TriggerRef(TriggerKind.BULK, str(action.pk), "spring"),
        requested_by=member,
    )
    shown = preview(request)
    assert (shown.planned, shown.waiting, shown.skipped) == (3, 3, 0)
    assert any("3 meetings will wait" in w for w in shown.warnings), shown.warnings
    assert shown.as_dict()["waiting"] == 3

    run_, outcome = launch_with_outcome(request, label="Spring")
    assert outcome.summary()["created"] == 3 and outcome.summary()["waiting"] == 3
    assert outcome.skipped == []
    assert run_.progress()  # the run page counts them (as waiting for a reconnect)
    meetings = list(Meeting.objects.filter(pk__in=outcome.created_ids))
    assert {m.state for m in meetings} == {MeetingState.WAITING_CONNECTION}

    account.connect()
    run(meetings[0])
    for meeting in meetings:
        meeting.refresh_from_db()
    assert {m.state for m in meetings} == {"invited"}
    live = Counter(account.live_keys())
    assert all(live[m.key] == 1 for m in meetings)
    for c in others:
        assert len(invites(smtp_server, c.email)) == 1


@pytest.mark.parametrize("account", ["zoom"], indirect=True)
def test_the_fallback_hosts_when_the_owners_account_needs_reconnecting_and_says_so(
    account: Account, member: User, contact: Contact, smtp_server: Inbox, client: Any
) -> None:
    break_account(account, member, contact)
    admin = User.objects.create_superuser("root", "root@example.com", "correct-horse-battery")
    client.force_login(admin)
    assert (
        connect_through_oauth(client, "zoom", "root@example.com", "organization").status_code == 302
    )
    organization = fast(Connection.objects.get(provider="zoom", level="organization"))
    action = owners_action("zoom", fallback=CredentialsPolicy.ORGANIZATION)
    request = ScheduleRequest(
        action, [contact.pk], TriggerRef(TriggerKind.BULK, str(action.pk), "fallback")
    )
    assert "1 meeting: hosted by Zoom account root@example.com" in " ".join(
        preview(request).warnings
    )
    _, outcome = launch_with_outcome(request)
    assert outcome.waiting_ids == []
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    assert meeting.connection_id == organization.pk
    assert meeting.host_note == (
        "Hosted by Zoom account root@example.com: Ann Lee's account (the contact owner) "
        "needs reconnecting"
    )
    run(meeting)
    assert meeting.state == "invited", meeting.state_reason
    page = client.get(f"/meetings/{meeting.pk}/")
    assert meeting.host_note in unescape(page.content.decode())


@pytest.mark.parametrize("account", ["zoom"], indirect=True)
def test_a_removed_connection_still_refuses(
    account: Account, member: User, contact: Contact, client: Any
) -> None:
    from django.core.exceptions import ValidationError

    client.force_login(member)
    assert client.post(f"/connections/{account.connection.pk}/remove/").status_code == 302
    with pytest.raises(ValidationError, match="no Zoom account can host this meeting"):
        schedule_for(member, contact, "zoom", "gone")
    assert fake(account.server, "state")  # the fake is still there; nothing was asked of it
