"""Every state a meeting can be in reads truthfully wherever it is shown: the meeting
page, the meetings list, the contact page and the run page name it in the same words,
offer only the buttons that will do something (the rules of
convener.scheduling.lifecycle), never a live link to a meeting being cancelled or
cancelled, and keep reloading themselves exactly while it can still change on its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Delivery, Meeting, MeetingState, Run
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.team.models import User
from tests.dates import utc, winter_day

pytestmark = pytest.mark.django_db

LINK = "https://meet.jit.si/convener-0123456789abcdef"
# The badges' words and the phase each names in the list's state filter (?state=).
SLUGS = {
    "Being created": "being_created",
    "Failed": "failed",
    "Waiting for quota": "waiting_quota",
    "Waiting for a reconnect": "waiting_reconnect",
    "Scheduled": "scheduled",
    "Being cancelled": "being_cancelled",
    "Cancelled": "cancelled",
}
SOON, LATER, HELD = "soon", "later", "held"  # next try now, in an hour; a worker's lease


@dataclass(frozen=True)
class Case:
    name: str
    row: dict[str, Any]
    badge: str
    retry: bool = False
    change: bool = True  # Reschedule, Set a link by hand, Cancel meeting
    join: bool = False  # a live link
    dead_link: bool = False  # the link shown struck through
    polls: bool = True
    provider: str = "jitsi"
    account: str = "kept"  # kept, removed (the provider needs one), none
    undelivered: bool = False
    words: tuple[str, ...] = field(default_factory=tuple)


CASES = [
    Case(
        "being created, due",
        {"state": MeetingState.PLANNED, "next_attempt_at": SOON},
        "Being created",
        words=("Creating the Jitsi",),
    ),
    Case(
        "being created, held by a worker",
        {"state": MeetingState.CREATING, "next_attempt_at": SOON, "lease_until": HELD},
        "Being created",
    ),
    Case(
        "failed, tried again later",
        {"state": MeetingState.LINK_FAILED, "attempts": 2, "next_attempt_at": LATER},
        "Failed",
        retry=True,
        words=("It will be retried automatically",),
    ),
    Case(
        "failed, a retry held by a worker",
        {
            "state": MeetingState.LINK_FAILED,
            "attempts": 2,
            "next_attempt_at": SOON,
            "lease_until": HELD,
        },
        "Failed",
    ),
    Case(
        "failed, given up",
        {"state": MeetingState.LINK_FAILED, "attempts": 5},
        "Failed",
        retry=True,
        polls=False,
        words=("It is not retried on its own any more",),
    ),
    Case(
        "waiting for quota",
        {"state": MeetingState.WAITING_QUOTA, "next_attempt_at": LATER},
        "Waiting for quota",
        provider="zoom",
        words=("Waiting for the provider's quota",),
    ),
    Case(
        "waiting for a reconnect of its account",
        {"state": MeetingState.WAITING_CONNECTION},
        "Waiting for a reconnect",
        retry=True,
        provider="zoom",
    ),
    Case(
        "waiting for a reconnect, its account removed",
        {"state": MeetingState.WAITING_CONNECTION},
        "Waiting for a reconnect",
        provider="zoom",
        account="removed",
    ),
    Case(
        "scheduled, invitations going out",
        {"state": MeetingState.LINKED, "join_url": LINK, "next_attempt_at": SOON},
        "Scheduled",
        join=True,
    ),
    Case(
        "scheduled and invited",
        {"state": MeetingState.INVITED, "join_url": LINK},
        "Scheduled",
        join=True,
        polls=False,
    ),
    Case(
        "scheduled, an invitation undeliverable",
        {"state": MeetingState.INVITED, "join_url": LINK},
        "Scheduled",
        join=True,
        polls=False,
        retry=True,
        undelivered=True,
    ),
    Case(
        "being cancelled",
        {
            "state": MeetingState.INVITED,
            "join_url": LINK,
            "cancel_requested": True,
            "next_attempt_at": SOON,
        },
        "Being cancelled",
        change=False,
        dead_link=True,
        words=("Being cancelled", "do not use this link"),
    ),
    Case(
        "being cancelled, the cancellation failed once",
        {
            "state": MeetingState.INVITED,
            "join_url": LINK,
            "cancel_requested": True,
            "attempts": 2,
            "next_attempt_at": LATER,
        },
        "Being cancelled",
        change=False,
        dead_link=True,
        retry=True,
    ),
    Case(
        "cancelled, its Jitsi room still an address",
        {"state": MeetingState.CANCELLED, "join_url": LINK, "cancel_requested": True},
        "Cancelled",
        change=False,
        dead_link=True,
        polls=False,
        words=("This meeting was cancelled", "cancelled: this link is no longer a meeting"),
    ),
]


def when(value: Any) -> Any:
    now = timezone.now()
    return {SOON: now, LATER: now + timedelta(hours=1), HELD: now + timedelta(minutes=5)}.get(
        value, value
    )


def make(case: Case, member: User, contact: Contact) -> Meeting:
    connection = None
    if case.provider != "jitsi" and case.account == "kept":
        connection = Connection.objects.create(
            provider=case.provider, level=Connection.Level.USER, user=member
        )
    start = utc(winter_day(), 9)
    ref = TriggerRef(TriggerKind.BULK, "1", "wave")
    meeting = Meeting.objects.create(
        title="Quarterly review",
        contact=contact,
        host=member,
        provider=case.provider,
        connection=connection,
        start=start,
        end=start + timedelta(minutes=30),
        timezone="Europe/Berlin",
        trigger=ref.kind,
        trigger_source=ref.source,
        trigger_key=ref.meeting_key(contact.pk),
        **{name: when(value) for name, value in case.row.items()},
    )
    if case.undelivered:
        Delivery.objects.create(
            meeting=meeting,
            recipient=contact.email,
            sequence=meeting.sequence,
            subject="Invitation",
            text_body="",
            html_body="",
            ics="",
            status=Delivery.Status.UNDELIVERABLE,
        )
    return meeting


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request: Any) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def shown(case: Case, client: Any, member: User, contact: Contact) -> Meeting:
    client.force_login(member)
    return make(case, member, contact)


def html(client: Any, url: str, **headers: str) -> str:
    answer = client.get(url, headers=headers)
    assert answer.status_code == 200
    return str(answer.content.decode())


def test_the_meeting_page_offers_only_what_will_work(
    case: Case, shown: Meeting, client: Any
) -> None:
    page = html(client, f"/meetings/{shown.pk}/")
    assert f">{case.badge}</span>" in page
    assert ("Retry now" in page) is case.retry
    assert page.count("Retry now") <= 1
    assert ("Reschedule" in page) is case.change
    assert ("Set a link by hand" in page) is case.change
    assert ('data-role="cancel-meeting"' in page) is case.change
    assert (f'href="{LINK}"' in page) is case.join
    assert ("Join meeting" in page) is case.join and ("Copy link" in page) is case.join
    assert (f"<del>{LINK}</del>" in page) is case.dead_link
    for words in case.words:
        assert words in page


def test_the_status_part_reloads_itself_until_the_state_is_final(
    case: Case, shown: Meeting, client: Any
) -> None:
    status = html(client, f"/meetings/{shown.pk}/", **{"HX-Request": "true"})
    assert "<html" not in status and 'id="meeting-status"' in status
    assert ('hx-trigger="every 2s"' in status) is case.polls
    assert ("Retry now" in status) is case.retry


def test_the_list_the_contact_page_and_the_run_page_say_the_same(
    case: Case, shown: Meeting, client: Any, member: User, contact: Contact
) -> None:
    run = Run.objects.create(trigger=TriggerKind.BULK, trigger_source="1", occurrence="wave")
    pages = {
        "list": html(client, "/meetings/"),
        "contact": html(client, f"/contacts/{contact.pk}/"),
        "run": html(client, f"/runs/{run.pk}/"),
    }
    for where, page in pages.items():
        assert f'data-phase="{SLUGS[case.badge]}">{case.badge}<' in page, where
        assert "Retry now" not in page, where  # retried from the meeting's own page
    for where in ("list", "contact"):
        page = pages[where]
        assert (f'href="{LINK}"' in page) is case.join, where
        assert ('data-role="dead-link"' in page) is case.dead_link, where
    # The list and the contact page reload while the meeting may change on its own.
    assert ('id="meeting-rows"' in pages["list"]) and (
        'hx-trigger="every 2s"' in pages["list"]
    ) is case.polls
    assert ('hx-select="#contact-meetings"' in pages["contact"]) is case.polls


RETRIED = [case for case in CASES if case.retry]


@pytest.mark.parametrize("case", RETRIED, ids=[case.name for case in RETRIED])
def test_a_retry_offered_is_a_retry_that_happens(case: Case, shown: Meeting, client: Any) -> None:
    answer = client.post(f"/meetings/{shown.pk}/retry/", follow=True)
    page = answer.content.decode()
    assert "Trying again now." in page
    shown.refresh_from_db()
    assert shown.next_attempt_at is not None and shown.next_attempt_at <= timezone.now()
