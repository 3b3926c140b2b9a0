"""Running a meeting action for one contact from an automated trigger.

Nobody is signed in: the trigger's owner configured the action, so the seam runs it with
no requesting person (no per-person refusal applies). The trigger reference the caller
builds carries the exactly-once rule: a form's render token, a webhook's event id. The
same reference run again answers with the meeting it made the first time.
"""

from __future__ import annotations

from dataclasses import dataclass

from convener.meetings.models import Meeting, MeetingAction
from convener.meetings.triggers import TriggerRef
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.request import ScheduleRequest
from convener.scheduling.schedule import schedule


@dataclass(frozen=True)
class ActionResult:
    """What running the action did for the contact: the meeting (made now, or found
    from an earlier run of the same reference), or why there is none."""

    meeting: Meeting | None
    repeated: bool = False  # the same reference had already made this meeting
    skip_reason: str = ""


def run_action(
    action: MeetingAction,
    contact_id: int,
    trigger: TriggerRef,
    *,
    browser_timezone: str | None = None,
) -> ActionResult:
    request = ScheduleRequest(
        action=action,
        contact_ids=[contact_id],
        trigger=trigger,
        requested_by=None,
        browser_timezone=browser_timezone,
    )
    try:
        outcome = schedule(request)
    except NoUsableConnection as refused:
        return ActionResult(None, skip_reason=str(refused))
    if outcome.created_ids:
        return ActionResult(Meeting.objects.get(pk=outcome.created_ids[0]))
    if outcome.existing_ids:
        return ActionResult(Meeting.objects.get(pk=outcome.existing_ids[0]), repeated=True)
    reason = outcome.skipped[0].reason if outcome.skipped else "No meeting was planned."
    return ActionResult(None, skip_reason=reason)
