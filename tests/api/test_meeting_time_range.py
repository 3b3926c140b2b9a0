"""Meetings start from 2000-01-01 to 10 years after now, however the start is given."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import User
from tests.dates import at, winter_day

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = [
    ("0001-01-01T00:00", "Europe/Berlin"),
    ("1999-12-31T10:00", "UTC"),
    ("9999-12-31T23:50:00+00:00", "Europe/Berlin"),
    ("9999-12-31T23:50:00-14:00", "Pacific/Kiritimati"),
    ("9999-12-31T23:00", "Asia/Tokyo"),
]


@pytest.fixture
def call(client: Any, api_token: str) -> Any:
    def go(method: str, path: str, body: Any) -> Any:
        return getattr(client, method)(
            f"/api/v1{path}",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {api_token}"},
        )

    return go


@pytest.fixture
def meeting(call: Any, contact: Contact) -> Meeting:
    body = {"contact_ids": [contact.pk], "title": "Demo", "start": at(winter_day(), 10)}
    response = call("post", "/meetings", {**body, "timezone": "Europe/Berlin"})
    assert response.status_code == 201, response.content
    return Meeting.objects.get()


def refused_start(response: Any) -> str:
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["start"]
    return str(errors[0]["message"])


@pytest.mark.parametrize(("start", "zone"), OUT_OF_RANGE)
def test_moving_a_meeting_out_of_range_is_refused_and_changes_nothing(
    call: Any, meeting: Meeting, start: str, zone: str
) -> None:
    before = (meeting.start, meeting.timezone, meeting.sequence)
    message = refused_start(
        call("patch", f"/meetings/{meeting.pk}", {"start": start, "timezone": zone})
    )
    assert "out of range" in message
    meeting.refresh_from_db()
    assert (meeting.start, meeting.timezone, meeting.sequence) == before


@pytest.mark.parametrize(("start", "zone"), OUT_OF_RANGE)
def test_scheduling_out_of_range_is_refused_and_saves_nothing(
    call: Any, contact: Contact, start: str, zone: str
) -> None:
    body = {"contact_ids": [contact.pk], "title": "Demo", "start": start, "timezone": zone}
    refused_start(call("post", "/meetings", body))
    assert Meeting.objects.count() == 0
    assert MeetingAction.objects.count() == 0


def test_a_start_just_over_ten_years_ahead_is_refused_and_just_under_is_taken(
    call: Any, contact: Contact
) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    ten_years = now.replace(year=now.year + 10)
    body = {"contact_ids": [contact.pk], "title": "Demo", "timezone": "UTC"}
    late = (ten_years + timedelta(hours=1)).isoformat()
    assert "10 years" in refused_start(call("post", "/meetings", {**body, "start": late}))
    early = (ten_years - timedelta(hours=1)).isoformat()
    assert call("post", "/meetings", {**body, "start": early}).status_code == 201


def test_a_bulk_launch_skips_contacts_whose_planned_start_is_out_of_range(
    call: Any, member: User, contact: Contact
) -> None:
    from convener.crm.models import Contact

    other = Contact.objects.create(email="eve@example.org", owner=member)
    action = MeetingAction.objects.create(
        name="Far away", timing={"mode": "fixed", "at": "8000-01-01T10:00"}, timezone="UTC"
    )
    preview = call("post", f"/actions/{action.pk}/preview", {"contact_ids": [contact.pk, other.pk]})
    reasons = preview.json()["skip_reasons"]
    assert list(reasons.values()) == [2]
    assert "out of range" in next(iter(reasons))
    response = call(
        "post", f"/actions/{action.pk}/schedule", {"contact_ids": [contact.pk, other.pk]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["skipped_count"] == 2
    assert Meeting.objects.count() == 0
