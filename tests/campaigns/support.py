"""Campaigns as a marketing user builds them, for the campaign tests."""

from __future__ import annotations

from typing import Any

from convener.campaigns.models import Campaign, Event, EventTiming, EventType, Source
from convener.meetings.models import MeetingAction
from convener.segments.models import Segment
from convener.team.models import User


def campaign(owner: User | None, name: str = "Onboarding", **settings: Any) -> Campaign:
    return Campaign.objects.create(
        name=name, owner=owner, published=True, timezone="Europe/Berlin", **settings
    )


def event(
    into: Campaign,
    type: str,
    *,
    parent: Event | None = None,
    branch: str = "",
    action: MeetingAction | None = None,
    **fields: Any,
) -> Event:
    return Event.objects.create(
        campaign=into, type=type, parent=parent, branch=branch, action=action, **fields
    )


def segment_source(into: Campaign, segment: Segment, **fields: Any) -> Source:
    return Source.objects.create(campaign=into, kind=Source.Kind.SEGMENT, segment=segment, **fields)


def meeting_step(into: Campaign, action: MeetingAction, **fields: Any) -> Event:
    return event(into, EventType.MEETING, action=action, **fields)


def field_update(
    into: Campaign, field: str, value: str, *, parent: Event | None = None, days: int = 0
) -> Event:
    """A step setting a contact field, `days` after the contact reaches it (0: at once)."""
    timing: dict[str, Any] = {
        "timing": EventTiming.DELAY,
        "delay_amount": days,
        "delay_unit": "days",
    }
    return event(
        into,
        EventType.UPDATE_FIELD,
        parent=parent,
        settings={"field": field, "value": value},
        **(timing if days else {}),
    )
