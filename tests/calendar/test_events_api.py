"""/api/v1/calendar/events: an event made by a program gets its link as one made in the
dialog does, and bad input is refused naming the field, with nothing saved."""

from __future__ import annotations

from typing import Any

import pytest

from convener.calendar.models import Event
from convener.crm.models import Contact
from tests.calendar.support import DAY
from tests.dates import at
from tests.scheduling.support import run

pytestmark = pytest.mark.django_db


def test_a_jitsi_event_made_through_the_api_answers_with_its_meeting(
    api_post: Any,
    client: Any,
    api_token: str,
    contact: Contact,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_post(
            "/calendar/events",
            {
                "title": "Sync",
                "start": at(DAY, 10),
                "end": at(DAY, 11),
                "timezone": "America/New_York",
                "location_type": "jitsi",
                "contact_ids": [contact.pk],
            },
        )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    event = Event.objects.get(pk=body["id"])
    assert body["start"].startswith(f"{DAY.isoformat()}T15:00:00")  # 10:00 EST in UTC
    assert body["meeting"]["account"].startswith("Jitsi Meet needs no account")
    from convener.calendar.links import meeting_of

    meeting = meeting_of(event)
    assert meeting is not None
    run(meeting)
    listed = client.get(
        f"/api/v1/calendar/events?starts_after={DAY.isoformat()}T00:00:00Z",
        headers={"Authorization": f"Bearer {api_token}"},
    ).json()
    (item,) = listed["items"]
    assert item["meeting"]["join_url"] == meeting.join_url != ""


def test_bad_input_names_the_field_and_saves_nothing(api_post: Any) -> None:
    answer = api_post(
        "/calendar/events",
        {
            "title": "Sync",
            "start": at(DAY, 10),
            "end": at(DAY, 9),
            "timezone": "EST",
            "location_type": "zoom",
        },
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert "timezone" in fields
    answer = api_post(
        "/calendar/events",
        {
            "title": "Sync",
            "start": at(DAY, 10),
            "end": at(DAY, 9),
            "timezone": "UTC",
            "location_type": "zoom",
            "external_emails": ["x@example.net"],
        },
    )
    assert {e["field"] for e in answer.json()["errors"]} == {"end"}
    assert not Event.objects.exists()
