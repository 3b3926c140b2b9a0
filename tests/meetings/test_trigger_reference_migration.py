"""Upgrading to trigger references: the one-off actions the popup used to save go, their
meetings keep what they asked for, and launches made before still find their meetings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.meetings.migrating import migrate, schema_at

BEFORE = ("meetings", "0006_delivery_undeliverable")
AFTER = ("meetings", "0008_trigger_source_index")


@pytest.fixture
def old_schema(transactional_db: Any) -> Iterator[Any]:
    with schema_at(BEFORE) as apps:
        yield apps


def test_one_off_actions_go_and_their_meetings_keep_what_they_asked_for(old_schema: Any) -> None:
    Action = old_schema.get_model("meetings", "MeetingAction")
    Meeting = old_schema.get_model("meetings", "Meeting")
    reusable = Action.objects.create(name="Follow-up", passcode="")
    one_off = Action.objects.create(name="Demo (contact_popup)", reusable=False, passcode="9876")
    when = datetime(2030, 1, 1, 10, tzinfo=UTC)
    common = {"provider": "jitsi", "title": "x", "start": when, "end": when, "timezone": "UTC"}
    popup = Meeting.objects.create(
        key="a" * 26, trigger="contact_popup", action=one_off, passcode="9876", **common
    )
    launched = Meeting.objects.create(
        key="b" * 26,
        trigger="bulk",
        trigger_key=f"bulk:{reusable.pk}:wave-1:7",
        action=reusable,
        **common,
    )

    apps = migrate(AFTER)

    Action = apps.get_model("meetings", "MeetingAction")
    Meeting = apps.get_model("meetings", "Meeting")
    assert list(Action.objects.values_list("pk", flat=True)) == [reusable.pk]
    popup = Meeting.objects.get(pk=popup.pk)
    assert (popup.trigger, popup.action_id, popup.requested_passcode) == ("contact", None, "9876")
    launched = Meeting.objects.get(pk=launched.pk)
    assert launched.trigger_source == str(reusable.pk)
    assert launched.trigger_key == f"bulk:{reusable.pk}:wave-1:7"  # a re-run still finds it
