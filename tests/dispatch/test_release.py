"""A step gives its meeting back by writing the row under its lease, setting only the
columns the step changed: what another writer changed meanwhile, without touching the
lease, is kept, and every change the step made lands, however it was written before."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from convener.connections.models import Connection
from convener.db.writes import update_one
from convener.dispatch.release import release, save_held
from convener.dispatch.sync import load
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.state import lane_for
from convener.team.models import User
from tests.dispatch.support import meeting_in

pytestmark = pytest.mark.django_db


def held_meeting() -> Meeting:
    """A meeting a worker holds, read as a batch reads it."""
    (meeting,) = load([meeting_in("jitsi", leased=True)])
    return meeting


def stored(meeting: Meeting) -> Meeting:
    return Meeting.objects.get(pk=meeting.pk)


def test_a_reconnect_landing_while_the_step_runs_is_kept(member: User) -> None:
    meeting = held_meeting()
    # The host connects an account again: the meeting moves to the new connection's lane
    # while its step is under way. The lease is the step's still.
    fresh = Connection.objects.create(
        provider="zoom", level=Connection.Level.USER, user=member, account_email=member.email
    )
    Meeting.objects.filter(pk=meeting.pk).update(connection=fresh, lane=lane_for("zoom", fresh.pk))

    meeting.state, meeting.state_reason = MeetingState.LINK_FAILED, "the provider said no"
    assert release(meeting)

    row = stored(meeting)
    assert (row.connection_id, row.lane) == (fresh.pk, lane_for("zoom", fresh.pk))
    assert (row.state, row.state_reason) == (MeetingState.LINK_FAILED, "the provider said no")
    assert row.lease_until is None


def _renamed_by_a_prepared_write(meeting: Meeting) -> None:
    meeting.title = "Renamed"
    update_one(meeting, ["title"], where={})


def _renamed_by_a_save(meeting: Meeting) -> None:
    meeting.title = "Renamed"
    meeting.save(update_fields=["title"])


def _renamed_elsewhere_and_read_again(meeting: Meeting) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(title="Renamed")
    meeting.refresh_from_db()


@pytest.mark.parametrize(
    "rename",
    [_renamed_by_a_prepared_write, _renamed_by_a_save, _renamed_elsewhere_and_read_again],
)
def test_a_value_set_back_after_an_earlier_write_is_written_again(
    rename: Callable[[Meeting], None],
) -> None:
    """As a failed create does: its attempt wrote "creating", and its release sets the
    state back to what it was when the meeting was read."""
    meeting = held_meeting()
    before = meeting.title
    rename(meeting)
    assert stored(meeting).title == "Renamed"
    meeting.title = before
    release(meeting)
    assert stored(meeting).title == before


def test_json_changed_in_place_is_written() -> None:
    meeting = held_meeting()
    meeting.provider_data["conference"] = "pending"
    release(meeting)
    assert stored(meeting).provider_data == {"conference": "pending"}


def test_the_release_sets_only_what_the_step_changed() -> None:
    """On SQLite an UPDATE rewrites every index holding a column it names: a release
    naming all forty columns rewrote all fourteen of a meeting's indexes."""
    meeting = held_meeting()
    updated_before = meeting.updated_at
    meeting.state = MeetingState.INVITED
    with CaptureQueriesContext(connection) as queries:
        release(meeting)
    (update,) = [query["sql"] for query in queries if query["sql"].startswith("UPDATE")]
    assigned = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    for column in ("state", "lease_until", "next_attempt_at", "updated_at"):
        assert f'"{column}" = ' in assigned
    for column in ("title", "start", "lane", "host_id", "contact_id", "trigger"):
        assert f'"{column}" = ' not in assigned
    row = stored(meeting)
    assert row.state == MeetingState.INVITED
    assert row.updated_at > updated_before


def test_a_linked_meeting_is_saved_with_its_link_and_a_reconnect_kept(member: User) -> None:
    meeting = held_meeting()
    fresh = Connection.objects.create(
        provider="zoom", level=Connection.Level.USER, user=member, account_email=member.email
    )
    Meeting.objects.filter(pk=meeting.pk).update(connection=fresh)
    meeting.join_url = "https://meet.example.org/abc"
    save_held(meeting)
    row = stored(meeting)
    assert (row.join_url, row.connection_id) == ("https://meet.example.org/abc", fresh.pk)
    assert row.lease_until == meeting.lease_until  # still held
