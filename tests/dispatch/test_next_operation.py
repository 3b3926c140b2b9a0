"""The row rules of `convener.meetings.state`, read off Meeting rows built here: what a
row needs next, which lane its provider calls go through, and which operations call the
provider. No provider is called: these rules only say what dispatch must do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from convener.meetings.models import Attempt, Meeting, MeetingState
from convener.meetings.state import Operation, lane_for, next_operation

pytestmark = pytest.mark.django_db

LINK = "https://zoom.example/j/81234567890"


def row(**fields: Any) -> Meeting:
    """A saved Zoom meeting row, two weeks ahead; `fields` set what the test is about."""
    start = timezone.now() + timedelta(days=14)
    values: dict[str, Any] = {
        "provider": "zoom",
        "title": "Intro call",
        "start": start,
        "end": start + timedelta(minutes=30),
        "timezone": "Europe/Berlin",
        **fields,
    }
    return Meeting.objects.create(**values)


def linked(**fields: Any) -> Meeting:
    """A row the provider holds in its current version, with its link."""
    values: dict[str, Any] = {
        "provider_meeting_id": "81234567890",
        "join_url": LINK,
        "remote_sequence": 0,
        "state": MeetingState.LINKED,
        **fields,
    }
    return row(**values)


def attempted(meeting: Meeting, operation: Operation, outcome: str) -> None:
    Attempt.objects.create(meeting=meeting, operation=operation, outcome=outcome)


# -- making, reading and updating ----------------------------------------------------------


def test_a_new_row_needs_a_create() -> None:
    assert next_operation(row()) == Operation.CREATE


def test_a_row_made_at_the_provider_without_a_link_yet_needs_a_refresh() -> None:
    meeting = row(provider_meeting_id="81234567890", remote_sequence=0)

    assert next_operation(meeting) == Operation.REFRESH


def test_a_row_still_waiting_for_its_link_is_read_again_before_it_is_updated() -> None:
    meeting = row(provider_meeting_id="81234567890", remote_sequence=0, sequence=1)

    assert next_operation(meeting) == Operation.REFRESH


def test_a_row_whose_provider_holds_an_older_version_needs_an_update() -> None:
    meeting = linked(sequence=2, remote_sequence=1, state=MeetingState.INVITED)

    assert next_operation(meeting) == Operation.UPDATE


def test_a_linked_row_with_invitations_on_needs_its_invitations_sent() -> None:
    assert next_operation(linked(send_invitations=True)) == Operation.INVITE


def test_a_linked_row_with_invitations_off_needs_nothing() -> None:
    assert next_operation(linked(send_invitations=False)) is None


def test_an_invited_row_the_provider_holds_in_its_version_needs_nothing() -> None:
    assert next_operation(linked(state=MeetingState.INVITED)) is None


@pytest.mark.parametrize(("invitations", "needed"), [(True, Operation.INVITE), (False, None)])
def test_a_manual_link_without_a_provider_meeting_needs_no_create(
    invitations: bool, needed: Operation | None
) -> None:
    meeting = row(
        manual_link=True,
        join_url="https://meet.example.org/our-room",
        state=MeetingState.LINKED,
        send_invitations=invitations,
    )

    assert next_operation(meeting) == needed


# -- cancelling ----------------------------------------------------------------------------


def test_a_cancel_request_with_a_remote_meeting_needs_a_cancel() -> None:
    meeting = linked(cancel_requested=True, state=MeetingState.INVITED)

    assert next_operation(meeting) == Operation.CANCEL


def test_a_cancel_request_is_carried_out_before_a_pending_update() -> None:
    meeting = linked(cancel_requested=True, sequence=2, remote_sequence=1)

    assert next_operation(meeting) == Operation.CANCEL


def test_a_cancel_request_without_a_remote_meeting_needs_only_the_announcement() -> None:
    assert next_operation(row(cancel_requested=True)) == Operation.ANNOUNCE_CANCELLATION


def test_a_cancel_request_for_a_manual_link_needs_only_the_announcement() -> None:
    meeting = row(
        cancel_requested=True,
        manual_link=True,
        join_url="https://meet.example.org/our-room",
        state=MeetingState.INVITED,
    )

    assert next_operation(meeting) == Operation.ANNOUNCE_CANCELLATION


def test_a_cancel_request_whose_remote_meeting_is_cancelled_needs_the_announcement() -> None:
    # The provider cancel went through: the id stays for reference, the remote is gone.
    meeting = linked(cancel_requested=True, remote_sequence=-1)

    assert next_operation(meeting) == Operation.ANNOUNCE_CANCELLATION


def test_a_cancelled_row_needs_nothing_more() -> None:
    meeting = linked(cancel_requested=True, remote_sequence=-1, state=MeetingState.CANCELLED)

    assert next_operation(meeting) is None


@pytest.mark.parametrize("outcome", [Attempt.Outcome.PENDING, Attempt.Outcome.RETRY])
def test_a_cancel_request_after_an_unanswered_create_needs_a_cancel_to_look_for_it(
    outcome: str,
) -> None:
    meeting = row(cancel_requested=True, state=MeetingState.LINK_FAILED)
    attempted(meeting, Operation.CREATE, outcome)

    assert next_operation(meeting) == Operation.CANCEL


def test_a_cancel_that_failed_has_not_looked_so_a_cancel_is_still_needed() -> None:
    meeting = row(cancel_requested=True, state=MeetingState.LINK_FAILED)
    attempted(meeting, Operation.CREATE, Attempt.Outcome.RETRY)
    attempted(meeting, Operation.CANCEL, Attempt.Outcome.RETRY)

    assert next_operation(meeting) == Operation.CANCEL


def test_once_a_cancel_has_looked_an_unanswered_create_needs_only_the_announcement() -> None:
    meeting = row(cancel_requested=True, state=MeetingState.LINK_FAILED)
    attempted(meeting, Operation.CREATE, Attempt.Outcome.RETRY)
    attempted(meeting, Operation.CANCEL, Attempt.Outcome.OK)

    assert next_operation(meeting) == Operation.ANNOUNCE_CANCELLATION


def test_a_cancelled_row_after_an_unanswered_create_and_a_look_needs_nothing() -> None:
    meeting = row(cancel_requested=True, state=MeetingState.CANCELLED)
    attempted(meeting, Operation.CREATE, Attempt.Outcome.RETRY)
    attempted(meeting, Operation.CANCEL, Attempt.Outcome.OK)

    assert next_operation(meeting) is None


# -- lanes and provider calls --------------------------------------------------------------


def test_a_meeting_with_a_connection_goes_through_its_connections_lane() -> None:
    assert lane_for("zoom", 42) == "connection:42"


def test_a_meeting_without_a_connection_goes_through_its_providers_lane() -> None:
    assert lane_for("jitsi", None) == "provider:jitsi"


def test_exactly_create_refresh_update_and_cancel_call_the_provider() -> None:
    calling = {operation for operation in Operation if operation.calls_provider}

    assert calling == {Operation.CREATE, Operation.REFRESH, Operation.UPDATE, Operation.CANCEL}
    assert not Operation.INVITE.calls_provider
    assert not Operation.ANNOUNCE_CANCELLATION.calls_provider
