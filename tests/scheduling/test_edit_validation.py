"""An edit with bad input names the field at fault and changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.scheduling import lifecycle
from convener.team.models import User
from tests.conftest import Inbox
from tests.scheduling.support import (
    schedule,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start": datetime(2001, 1, 1, 9, 0)}, "start"),
        ({"start": "tomorrow"}, "start"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"duration_minutes": 2}, "duration_minutes"),
        ({"duration_minutes": 30, "end": datetime(2031, 1, 1, 9, 0)}, "duration_minutes"),
        ({"title": "  "}, "title"),
        ({"join_url": "ftp://files.example.com/room"}, "join_url"),
        ({"join_url": "not a link"}, "join_url"),
        ({"host": "someone"}, "host"),
    ],
)
def test_an_edit_with_bad_input_names_the_field_and_changes_nothing(
    member: User,
    contact: Contact,
    smtp_server: Inbox,
    changes: dict[str, Any],
    field: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    meeting = schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)
    saved = Meeting.objects.filter(pk=meeting.pk).values().get()

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(ValidationError) as refused,
    ):
        lifecycle.save_meeting(meeting, changes, by=member)

    assert list(refused.value.message_dict) == [field]
    assert Meeting.objects.filter(pk=meeting.pk).values().get() == saved
    assert callbacks == []
