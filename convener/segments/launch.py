""" "Schedule meetings for this segment": a reusable action launched on the segment's
members as the person sees them, through the scheduling seam, recorded as a run.

The trigger reference is (segment, the segment's id, an occurrence the form or the API
caller chose): the same occurrence launched again finds the meetings it made and makes
only the missing ones (a member who joined since), never a second one for anybody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from convener.meetings.models import MeetingAction, Run
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.background import launch_from_page
from convener.scheduling.launch import launch
from convener.scheduling.request import ScheduleRequest
from convener.segments.membership import members
from convener.segments.models import Segment
from convener.team.models import User
from convener.timezones import is_iana_zone


@dataclass(frozen=True)
class SegmentLaunch:
    """What one launch did: its run (all launches of the same occurrence), and what this
    launch added to it."""

    run: Run
    made: int  # meetings this launch made
    found: int  # members whose meeting an earlier launch of the same occurrence made

    def summary(self) -> dict[str, Any]:
        run = self.run
        return {
            "run_id": run.pk,
            "run_url": f"/runs/{run.pk}/",
            "requested": run.requested,
            "created": self.made,
            "existing": self.found,
            "skipped_count": run.skipped_count,
            "skipped": run.skipped,
        }


def reference(segment: Segment, occurrence: str) -> TriggerRef:
    return TriggerRef(TriggerKind.SEGMENT, str(segment.pk), occurrence)


def schedule_segment(
    segment: Segment,
    action: MeetingAction,
    person: User,
    occurrence: str,
    *,
    browser_timezone: str | None = None,
    field: str = "action",
    from_page: bool = False,
) -> SegmentLaunch:
    """Launch `action` on the members of `segment` that `person` may see; those they may
    not edit are skipped by the seam, with the reason. A segment without a member for
    them, or a lone member no account can host, is a ValidationError on `field`: nothing
    is saved. `from_page`: a large segment is scheduled by the worker, and the run
    records what it made when it is done."""
    ids = list(members(segment, person).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ValidationError(
            {field: "This segment has no contacts you may see: there is nobody to schedule."}
        )
    ref = reference(segment, occurrence)
    earlier = Run.objects.filter(
        trigger=ref.kind, trigger_source=ref.source, occurrence=ref.occurrence
    ).first()
    before = earlier.created if earlier is not None else 0
    request = ScheduleRequest(
        action=action,
        contact_ids=ids,
        trigger=ref,
        requested_by=person,
        # A browser that reports nonsense is ignored, as the popup does.
        browser_timezone=browser_timezone if is_iana_zone(browser_timezone) else None,
    )
    try:
        run = (launch_from_page if from_page else launch)(request, label=segment.name)
    except NoUsableConnection as exc:
        # The seam refuses a lone recipient no account can host; nothing was saved.
        raise ValidationError({field: f"No meeting can be scheduled: {exc}"}) from None
    if run.waiting_for_worker:
        return SegmentLaunch(run, 0, 0)
    made = max(run.created - before, 0)
    # Every contact asked for is made, found again or skipped, once.
    found = max(run.requested - run.skipped_count - made, 0)
    return SegmentLaunch(run, made, found)
