"""The pages a person reads: meeting page, lists, outbox."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pytest

from convener.crm.models import Contact
from convener.dispatch.dispatcher import drain
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from tests.dates import winter_day

pytestmark = pytest.mark.django_db

THURSDAY = winter_day(2)
ON_THURSDAY = f"Thursday {THURSDAY.day} December {THURSDAY.year}"


@pytest.fixture
def meeting(member: User, contact: Contact) -> Any:
    outcome = schedule_one_off(
        [contact],
        OneOffMeeting(
            title="Review", timezone="Asia/Tokyo", start=datetime.combine(THURSDAY, time(9, 0))
        ),
        requested_by=member,
        trigger=TriggerRef(TriggerKind.CONTACT, "tests"),
    )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    drain(meeting.lane)
    return meeting


def test_the_meeting_page_shows_the_link_and_both_zones(
    client: Any, member: User, meeting: Any
) -> None:
    client.force_login(member)
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    meeting.refresh_from_db()
    assert meeting.join_url in html
    assert f"{ON_THURSDAY}, 09:00" in html  # Tokyo, the meeting's zone
    assert f"{ON_THURSDAY}, 01:00" in html  # Berlin, the viewer's zone
    assert 'data-phase="scheduled">Scheduled<' in html and "Invitations are" in html


def test_the_meetings_list_filters_by_state(client: Any, member: User, meeting: Any) -> None:
    client.force_login(member)
    assert "Review" in client.get("/meetings/?state=invited").content.decode()
    assert "Review" not in client.get("/meetings/?state=link_failed").content.decode()


def test_the_outbox_holds_the_invitation_and_its_ics(
    client: Any, member: User, meeting: Any
) -> None:
    client.force_login(member)
    html = client.get("/outbox/").content.decode()
    assert "Invitation: Review" in html and "bob@example.org" in html
    delivery = meeting.deliveries.get()
    ics = client.get(f"/outbox/{delivery.pk}/invite.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    assert "METHOD:REQUEST" in ics.content.decode()
    body = client.get(f"/outbox/{delivery.pk}/body.html")
    assert "sandbox" in body["Content-Security-Policy"]
