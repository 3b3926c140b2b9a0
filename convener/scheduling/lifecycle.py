"""The meeting lifecycle after scheduling: reschedule, cancel, a link set by hand, and
regenerating a missing link when the meeting is saved.

Each function only changes the row, which says what should be (times, title, link,
cancelled or not, `sequence`), in one transaction, and nudges the meeting's lane when
it commits; `sync` then brings the provider and the invitations in line:

    reschedule / edit   sequence+1 -> provider update -> REQUEST with the new SEQUENCE
    cancel              cancel_requested, sequence+1 -> provider delete -> METHOD:CANCEL
    link by hand        sequence+1, nothing at the provider -> REQUEST with the new link
    clear that link     sequence+1 -> the provider's link is read again (or made) -> REQUEST
    save without link   attempts reset, due now -> the link is made again

Bad input raises ValidationError keyed by field and changes nothing. A change by a person
(`by`) is first checked by convener.team.access: one they may not make raises NotVisible
or NotAllowed and changes nothing either.

A worker holds a meeting's lease while it runs a sync step and then saves the whole row,
so an edit made meanwhile would be overwritten. Edits therefore take the lease too, as a
worker does: they wait a little for a running step to finish, and raise MeetingBusy if
it does not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from convener.dispatch.tasks import enqueue_lanes
from convener.meetings.models import Attempt, Delivery, Meeting, MeetingState
from convener.meetings.state import lease, next_operation, unleased
from convener.providers.base import Provider
from convener.providers.registry import provider_class
from convener.scheduling.limits import description_problems, title_problems
from convener.scheduling.starts import StartOutOfRange, start_instant
from convener.scheduling.validation import duration_problem
from convener.team import access
from convener.team.models import User
from convener.timeplan.bounds import LONGEST_MEETING_MINUTES, SHORTEST_MEETING_MINUTES
from convener.timezones import zone_refusal

log = logging.getLogger(__name__)

EDITABLE = frozenset(
    {"title", "description", "start", "end", "duration_minutes", "timezone", "join_url"}
)
# A start picked to the minute in a form can be a few seconds old when it arrives.
PAST_GRACE = timedelta(minutes=5)
# A sync step is one provider call (or one round of emails): seconds, rarely more.
LEASE_WAIT_SECONDS = 15.0
_validate_url = URLValidator(schemes=["http", "https"])


class MeetingBusy(Exception):
    """A worker is in the middle of a step for this meeting; try again in a moment."""


@dataclass(frozen=True)
class _Target:
    """What the row becomes: validated values, and whether the start was moved out of a
    DST gap or fold (`note`, recorded as the planning note)."""

    title: str
    description: str
    start: datetime
    end: datetime
    timezone: str
    join_url: str
    manual_link: bool
    note: str | None  # None: the start did not change


# -- validation (pure: reads the row, changes nothing) -----------------------------------


def _aware_start(value: object, zone: str) -> tuple[datetime, str]:
    """An instant for `value`: aware as given, naive as wall time in `zone` (a time in a
    DST gap moves forward, an ambiguous one takes its first occurrence; the note says so),
    within the range of meeting times."""
    if not isinstance(value, datetime):
        raise ValidationError({"start": "give the start as a date and time"})
    try:
        return start_instant(value, zone, timezone.now())
    except StartOutOfRange as exc:
        raise ValidationError({"start": str(exc)}) from None


def _target(meeting: Meeting, changes: Mapping[str, Any]) -> _Target:
    unknown = sorted(set(changes) - EDITABLE)
    errors: dict[str, str] = {name: "this field cannot be changed" for name in unknown}

    title = meeting.title
    if "title" in changes:
        title = str(changes["title"] or "").strip()
        if not title:
            errors["title"] = "a title is required"
        errors.update(title_problems(title))
    description = meeting.description
    if "description" in changes:
        description = str(changes["description"] or "").strip()
        errors.update(description_problems(description, meeting.provider))

    zone = meeting.timezone
    if changes.get("timezone") not in (None, ""):
        zone = str(changes["timezone"])
        if refusal := zone_refusal(zone):
            errors["timezone"] = refusal
            zone = meeting.timezone

    start, note = meeting.start, None
    if changes.get("start") is not None:
        try:
            start, note = _aware_start(changes["start"], zone)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        else:
            if start == meeting.start:
                note = None  # not moved: the planner's note still holds
            elif start < timezone.now() - PAST_GRACE:
                errors["start"] = "the new start is in the past"

    duration = meeting.end - meeting.start
    has_end = changes.get("end") is not None
    has_minutes = changes.get("duration_minutes") is not None
    if has_end and has_minutes:
        errors["duration_minutes"] = "give either an end or a duration, not both"
    elif has_minutes:
        try:
            minutes = int(changes["duration_minutes"])
        except (TypeError, ValueError):
            minutes = -1
        if problem := duration_problem(minutes):
            errors["duration_minutes"] = problem
        duration = timedelta(minutes=minutes)
    elif has_end:
        try:
            end, _ = _aware_start(changes["end"], zone)
        except ValidationError:
            errors["end"] = "give the end as a date and time"
        else:
            duration = end - start
            if (
                not timedelta(minutes=SHORTEST_MEETING_MINUTES)
                <= duration
                <= timedelta(minutes=LONGEST_MEETING_MINUTES)
            ):
                errors["end"] = "the end must be 5 minutes to 24 hours after the start"

    join_url, manual = meeting.join_url, meeting.manual_link
    if "join_url" in changes:
        url = str(changes["join_url"] or "").strip()
        if url:
            try:
                _validate_url(url)
            except ValidationError:
                errors["join_url"] = "enter a full http:// or https:// address"
            if len(url) > 2000:
                errors["join_url"] = "a link has at most 2000 characters"
            if url != meeting.join_url:
                join_url, manual = url, True
        elif meeting.manual_link:
            join_url, manual = "", False  # back to the provider's link

    if errors:
        raise ValidationError(errors)
    return _Target(title, description, start, start + duration, zone, join_url, manual, note)


def _refuse_if_cancelled(meeting: Meeting, what: str) -> None:
    if meeting.cancel_requested or meeting.state == MeetingState.CANCELLED:
        raise ValidationError({"state": f"this meeting is cancelled; it cannot be {what}"})


# -- the lease ---------------------------------------------------------------------------


def _take_lease(meeting_id: int, wait: float) -> datetime:
    """Hold the meeting as a worker would, so no sync step runs while the row changes.

    Outside any transaction on purpose: on SQLite a write inside one would lock the
    database, and the worker we are waiting for could never save its step."""
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        now = timezone.now()
        until: datetime = now + lease()
        free = unleased(now)
        if Meeting.objects.filter(free, pk=meeting_id).update(lease_until=until):
            return until
        if time.monotonic() + delay > deadline:
            raise MeetingBusy(
                "the meeting is being updated at the provider right now; try again in a moment"
            )
        time.sleep(delay)
        delay = min(0.5, delay * 2)


@dataclass
class _Edit:
    """The row being edited; set `changed` to have it saved and its lane nudged."""

    row: Meeting
    changed: bool = False


@contextmanager
def _editing(meeting: Meeting, *, wait: float | None = None) -> Iterator[_Edit]:
    """The meeting's current row, locked and leased. When the block ends the row is saved
    (if changed), released and its lane nudged on commit; if the block raises, the row is
    left exactly as it was. `meeting` is refreshed afterwards."""
    until = _take_lease(meeting.pk, LEASE_WAIT_SECONDS if wait is None else wait)
    try:
        with transaction.atomic():
            row = (
                # of=self: PostgreSQL cannot lock the nullable side of the joins
                Meeting.objects.select_for_update(of=("self",))
                .select_related("host", "connection", "action", "contact")
                .get(pk=meeting.pk)
            )
            edit = _Edit(row)
            yield edit
            if edit.changed:
                row.lease_until = None
                row.save()
                if row.next_attempt_at is not None:
                    enqueue_lanes([row.lane])
    finally:
        # Released by the save above; otherwise (nothing changed, or an error) put the
        # lease back as it was: free.
        Meeting.objects.filter(pk=meeting.pk, lease_until=until).update(lease_until=None)
    meeting.refresh_from_db()


# -- what the row needs next -------------------------------------------------------------


def connection_removed(meeting: Meeting) -> bool:
    """The meeting's provider needs an account and its connection was deleted."""
    return (
        meeting.connection_id is None
        and provider_class(meeting.provider).capabilities.needs_connection
    )


def removed_reason(meeting: Meeting) -> str:
    name = provider_class(meeting.provider).name
    return f"the {name} connection was removed; connect an account to continue"


def _fresh_attempts(meeting: Meeting) -> int:
    """The attempt count to restart from. Sync reconciles a create (looks for a meeting an
    earlier try may have made) only from the second attempt on, so a meeting whose create
    may already have reached a provider without idempotent creates (Zoom) restarts at 1,
    never 0: else the next try could make a second remote meeting (invariant 1)."""
    if (
        not meeting.provider_meeting_id
        and not provider_class(meeting.provider).capabilities.idempotent_create
        and Attempt.objects.filter(meeting=meeting, operation="create").exists()
    ):
        return 1
    return 0


def _make_due(row: Meeting) -> None:
    """Set state and due time for whatever the row now needs. A provider step for a
    meeting whose connection was removed waits with the reason instead of failing."""
    row.attempts = _fresh_attempts(row)
    work = next_operation(row)
    if work is not None and work.calls_provider and connection_removed(row):
        row.state = MeetingState.WAITING_CONNECTION
        row.state_reason = removed_reason(row)
        row.next_attempt_at = None
        return
    if row.cancel_requested:
        pass  # sync marks it cancelled once the provider and the attendees are told
    elif not row.join_url:
        row.state = MeetingState.PLANNED
        row.state_reason = ""
    else:
        row.state = MeetingState.LINKED  # invited -> linked: the new version goes out
        row.state_reason = ""
    row.next_attempt_at = timezone.now()


def _require_edit(meeting: Meeting, by: User | None) -> None:
    """A person changes only what they may; the system (no person) changes what it must."""
    if by is not None:
        access.require_edit(by, meeting)


def _log(action: str, meeting: Meeting, by: User | None) -> None:
    log.info("meeting %s: %s by %s", meeting.pk, action, by.username if by else "the system")


# -- the operations ----------------------------------------------------------------------


def save_meeting(meeting: Meeting, changes: Mapping[str, Any], by: User | None = None) -> Meeting:
    """Save an edit of a meeting (the edit form, the API's PATCH); returns `meeting`,
    refreshed.

    `changes` holds any of: title, description, start (aware, or local in `timezone`),
    end or duration_minutes, timezone (IANA; with no start, the instant stays), join_url
    (a link by hand; "" returns to the provider's link). A change raises the SEQUENCE once
    and is carried to the provider and the invitations; a link change touches nothing at
    the provider. Any save of a meeting without a link makes the link again now.
    """
    _require_edit(meeting, by)
    _refuse_if_cancelled(meeting, "changed")
    _target(meeting, changes)  # fail fast, before waiting for the lease
    with _editing(meeting) as edit:
        row = edit.row
        _refuse_if_cancelled(row, "changed")
        target = _target(row, changes)
        spec_changed = (
            target.title != row.title
            or target.description != row.description
            or target.start != row.start
            or target.end != row.end
            or target.timezone != row.timezone
        )
        link_changed = (target.join_url, target.manual_link) != (row.join_url, row.manual_link)
        if spec_changed or link_changed or not row.join_url:
            _apply_edit(row, target, spec_changed=spec_changed, link_changed=link_changed)
            edit.changed = True
            _log("edited" if spec_changed or link_changed else "saved to regenerate", row, by)
    return meeting


def _apply_edit(row: Meeting, target: _Target, *, spec_changed: bool, link_changed: bool) -> None:
    remote_current = bool(row.provider_meeting_id) and row.remote_sequence >= row.sequence
    if spec_changed or link_changed:
        row.sequence += 1
    if link_changed and not spec_changed and remote_current:
        # A link typed by hand changes nothing at the provider: its meeting stays current.
        row.remote_sequence = row.sequence
    if spec_changed:
        if target.timezone != row.timezone:
            row.timezone_source = ""  # chosen by hand, no longer from the planner's chain
        if target.note is not None:
            row.planning_note = target.note[:200]
        row.title, row.description = target.title, target.description
        row.start, row.end, row.timezone = target.start, target.end, target.timezone
    if link_changed:
        row.join_url, row.manual_link = target.join_url, target.manual_link
        # The provider's passcode is not the hand-set link's. Clearing the link reads the
        # provider's meeting again, passcode included, or makes one with the one asked for.
        row.passcode = ""
        if not row.manual_link:
            _back_to_provider_link(row)
    _make_due(row)


def _back_to_provider_link(row: Meeting) -> None:
    """With `join_url` empty, sync reads the provider's meeting again for its link. A
    provider that cannot read meetings back (Jitsi: a room is only a URL) derives it again
    instead, by the create it makes idempotent with the meeting's key."""
    cls = provider_class(row.provider)
    if row.provider_meeting_id and (
        cls.refresh_info is not Provider.refresh_info or not cls.capabilities.idempotent_create
    ):
        return
    row.provider_meeting_id = ""
    row.remote_sequence = -1
    row.passcode = row.requested_passcode


def reschedule(
    meeting: Meeting,
    *,
    start: datetime,
    timezone: str | None = None,
    duration_minutes: int | None = None,
    end: datetime | None = None,
    title: str | None = None,
    by: User | None = None,
) -> Meeting:
    """Move the meeting. `start` is aware, or wall time in `timezone` (default: the
    meeting's zone); the duration stays unless `duration_minutes` or `end` is given."""
    changes: dict[str, Any] = {"start": start}
    if timezone is not None:
        changes["timezone"] = timezone
    if duration_minutes is not None:
        changes["duration_minutes"] = duration_minutes
    if end is not None:
        changes["end"] = end
    if title is not None:
        changes["title"] = title
    _require_edit(meeting, by)
    _refuse_if_cancelled(meeting, "rescheduled")
    return save_meeting(meeting, changes, by=by)


def set_manual_link(meeting: Meeting, url: str, by: User | None = None) -> Meeting:
    """Use `url` as the meeting's link (the invitations go out again with it); an empty
    `url` returns to the provider's link, making one if there is none."""
    return save_meeting(meeting, {"join_url": url}, by=by)


def cancel(meeting: Meeting, by: User | None = None) -> Meeting:
    """Cancel: sync deletes the remote meeting and sends METHOD:CANCEL to the attendees.
    Cancelling a cancelled meeting changes nothing."""
    _require_edit(meeting, by)
    if meeting.cancel_requested or meeting.state == MeetingState.CANCELLED:
        return meeting
    with _editing(meeting) as edit:
        row = edit.row
        if not row.cancel_requested and row.state != MeetingState.CANCELLED:
            row.cancel_requested = True
            # Cancelling is a revision like any other, so it raises the SEQUENCE: no
            # calendar can take the CANCEL for an older version than its last REQUEST.
            row.sequence += 1
            _make_due(row)
            if row.state != MeetingState.WAITING_CONNECTION:
                row.state_reason = "cancelling: the attendees are being told"
            edit.changed = True
            _log("cancelled", row, by)
    return meeting


def retry(meeting: Meeting, by: User | None = None) -> Meeting:
    """Try again now: make a missing link, finish a stuck update, cancel or invitation,
    or send the invitations given up as undeliverable again. Changes nothing for a
    meeting that needs nothing."""
    _require_edit(meeting, by)
    refused = ValidationError({"state": "this meeting is cancelled; there is nothing to retry"})
    if meeting.state == MeetingState.CANCELLED:
        raise refused
    with _editing(meeting) as edit:
        row = edit.row
        if row.state == MeetingState.CANCELLED:
            raise refused
        rearmed = _rearm_invitations(row)
        if rearmed or next_operation(row) is not None or not row.join_url:
            _make_due(row)
            edit.changed = True
            _log("retried", row, by)
    return meeting


def _rearm_invitations(row: Meeting) -> bool:
    """Invitations of the current version given up as not deliverable are tried again,
    with their attempts from zero: a person retrying has fixed something (the SMTP
    server's settings, the mailbox)."""
    return bool(
        Delivery.objects.filter(
            meeting=row, sequence=row.sequence, status=Delivery.Status.UNDELIVERABLE
        ).update(status=Delivery.Status.FAILED, attempts=0)
    )
