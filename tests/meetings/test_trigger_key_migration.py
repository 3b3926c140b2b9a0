"""Meetings launched before trigger keys named their action are still found by a re-run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.meetings.migrating import migrate, schema_at

BEFORE = ("meetings", "0004_idempotent_request")
AFTER = ("meetings", "0005_trigger_keys_scoped_to_action")


@pytest.fixture
def old_schema(transactional_db: Any) -> Iterator[Any]:
    with schema_at(BEFORE) as apps:
        yield apps


def test_old_trigger_keys_gain_their_action_so_a_rerun_finds_its_meetings(
    old_schema: Any,
) -> None:
    Action = old_schema.get_model("meetings", "MeetingAction")
    Meeting = old_schema.get_model("meetings", "Meeting")
    action = Action.objects.create(name="Follow-up")
    when = datetime(2030, 1, 1, 10, tzinfo=UTC)
    common = {"provider": "jitsi", "title": "x", "start": when, "end": when, "timezone": "UTC"}
    launched = Meeting.objects.create(
        key="a" * 26, trigger="bulk", trigger_key="bulk:wave-1:7", action=action, **common
    )
    orphan = Meeting.objects.create(key="b" * 26, trigger="bulk", trigger_key="bulk:w:8", **common)

    apps = migrate(AFTER)

    Meeting = apps.get_model("meetings", "Meeting")
    assert Meeting.objects.get(pk=launched.pk).trigger_key == f"bulk:{action.pk}:wave-1:7"
    assert Meeting.objects.get(pk=orphan.pk).trigger_key == "bulk:w:8"  # its action is gone

    Meeting = migrate(BEFORE).get_model("meetings", "Meeting")
    assert Meeting.objects.get(pk=launched.pk).trigger_key == "bulk:wave-1:7"  # reversible
