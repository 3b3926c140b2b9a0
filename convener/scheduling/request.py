"""What a trigger asks of scheduling, and what it gets back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from convener.meetings.models import MeetingAction
from convener.meetings.triggers import TriggerRef
from convener.team.models import User


@dataclass(frozen=True)
class FixedStart:
    """A start the trigger already knows (a slot picked on a booking page, a time typed in
    the popup); it takes the place of the action's timing."""

    at: datetime  # aware: an instant; naive: a wall time in `timezone`
    timezone: str  # the meeting's zone


@dataclass
class ScheduleRequest:
    """Meetings for these contacts with this action, because of this trigger.

    `action` is a saved MeetingAction, or an unsaved one holding this request's settings
    (the popup, POST /meetings): nothing is stored for a one-off. `internal_attendees`
    replaces the action's team members (an unsaved action has none of its own)."""

    action: MeetingAction
    contact_ids: Sequence[int]
    trigger: TriggerRef
    requested_by: User | None = None  # None: an automated trigger (a form, a campaign)
    start: FixedStart | None = None
    internal_attendees: Sequence[User] | None = None
    browser_timezone: str | None = None
    now: datetime | None = None

    @property
    def saved_action(self) -> MeetingAction | None:
        """The action when it is stored (its meetings and runs point at it), else None."""
        return self.action if self.action.pk is not None else None

    def team_members(self) -> list[User]:
        if self.internal_attendees is not None:
            return list(self.internal_attendees)
        if self.saved_action is None:
            return []
        return list(self.saved_action.internal_attendees.all())


@dataclass
class Skip:
    contact_id: int
    reason: str
    refused: bool = False  # the person may not schedule for this contact

    def as_dict(self) -> dict[str, Any]:
        """As the API answers it and runs and idempotent requests keep it."""
        return {"contact_id": self.contact_id, "reason": self.reason}


@dataclass
class ScheduleOutcome:
    """What a request did: the meetings it made, those the same trigger had made before
    (a re-run), and the contacts it skipped with the reason."""

    created_ids: list[int] = field(default_factory=list)
    existing_ids: list[int] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    # Of the created: those whose account needs reconnecting. They are kept and made as
    # soon as it is reconnected.
    waiting_ids: list[int] = field(default_factory=list)

    @property
    def meeting_ids(self) -> list[int]:
        return self.created_ids + self.existing_ids

    def summary(self, *, skipped_listed: int = 1000) -> dict[str, Any]:
        """The outcome as the API and the pages report it."""
        return {
            "created": len(self.created_ids),
            "waiting": len(self.waiting_ids),
            "existing": len(self.existing_ids),
            "skipped": [s.as_dict() for s in self.skipped[:skipped_listed]],
            "skipped_count": len(self.skipped),
        }
