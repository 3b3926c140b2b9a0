"""Whether an action can plan a meeting with the values given, before anything is saved.

A preferred date in the past, a date-only value where the action needs a time, or a start
beyond what meetings allow is answered with the timeplan's own reason, so that a form
shows it next to the field and a webhook names it, and the contact is not touched.
"""

from __future__ import annotations

from datetime import datetime

from convener import timeplan
from convener.crm.models import Contact
from convener.imports.cells import RowValues
from convener.meetings.models import MeetingAction
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.request import ScheduleRequest
from convener.scheduling.schedule import plan_one


def planned_start(
    action: MeetingAction,
    values: RowValues,
    existing: Contact | None,
    *,
    browser_timezone: str | None,
    now: datetime | None = None,
) -> timeplan.PlannedMeeting | timeplan.SkippedRecipient:
    """The meeting `action` would plan for a contact holding `values` on top of
    `existing` (the contact with that address, if there is one), or the reason it plans
    none. The field the reason is about is `action.timing["field"]` when the timing
    reads a field."""
    fields = {**((existing.fields or {}) if existing else {}), **values.fields}
    zone = values.values.get("timezone") or (existing.timezone if existing else "")
    request = ScheduleRequest(
        action=action,
        contact_ids=[],
        trigger=TriggerRef(TriggerKind.API, "check"),
        browser_timezone=browser_timezone,
        now=now,
    )
    return plan_one(request, contact_zone=str(zone or ""), fields=fields)


def field_of_timing(action: MeetingAction) -> str | None:
    """The custom field the action's timing reads ("fields.<key>" as a target), if any."""
    timing = action.timing or {}
    if timing.get("mode") == "field" and timing.get("field"):
        return f"fields.{timing['field']}"
    return None
