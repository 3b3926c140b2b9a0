"""A meeting saved before starts were bounded, at the very end of year 9999, has no local
date east of UTC. The pages and the API still show it (in UTC) instead of failing for
everyone there."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.team.models import User

pytestmark = pytest.mark.django_db

END_OF_TIME = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)


@pytest.fixture
def far_meeting(member: User, contact: Contact) -> Meeting:
    member.timezone = "Asia/Tokyo"
    member.save()
    return Meeting.objects.create(
        title="Millennium review",
        provider="jitsi",
        contact=contact,
        host=member,
        start=END_OF_TIME,
        end=END_OF_TIME,
        timezone="Asia/Tokyo",
    )


@pytest.mark.parametrize(
    "page",
    ["/meetings/", "/meetings/{pk}/", "/contacts/{contact}/", "/meetings/{pk}/reschedule/"],
)
def test_a_page_showing_a_meeting_at_the_end_of_year_9999_still_opens(
    client: Any, member: User, far_meeting: Meeting, page: str
) -> None:
    client.force_login(member)

    response = client.get(
        page.format(pk=far_meeting.pk, contact=far_meeting.contact_id),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "9999" in html


def test_the_api_still_returns_a_meeting_at_the_end_of_year_9999(
    client: Any, api_token: str, far_meeting: Meeting
) -> None:
    response = client.get(
        f"/api/v1/meetings/{far_meeting.pk}", HTTP_AUTHORIZATION=f"Bearer {api_token}"
    )

    assert response.status_code == 200, response.content
    assert response.json()["start"].startswith("9999-12-31T23:00")
