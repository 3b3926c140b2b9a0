"""When a contact's step at an event is due, counted from when they reached the event.

Delays use the planner's rules (convener.timeplan.delay): minutes and hours are elapsed
time; days, weeks and months keep the wall-clock time in the campaign's zone across a DST
change, and a month step past the end of a month takes its last day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from convener.campaigns.models import Event, EventTiming
from convener.crm.models import Contact
from convener.timeplan.delay import DELAY_UNITS, Delay, DelayUnit, apply_delay
from convener.timeplan.zones import resolve_local


class NoDate(Exception):
    """The contact has no usable value in the event's date field."""


def _field_date(contact: Contact, name: str) -> date | datetime:
    value = getattr(contact, name, None) if name in {"created_at", "updated_at"} else None
    if value is None:
        value = (contact.fields or {}).get(name)
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str) or not value:
        raise NoDate(f"the contact has no value in “{name}”")
    try:
        if "T" in value or " " in value:
            return datetime.fromisoformat(value)
        return date.fromisoformat(value)
    except ValueError as bad:
        raise NoDate(f"“{value}” in “{name}” is not a date") from bad


def due_at(event: Event, reached: datetime, zone: str, contact: Contact | None = None) -> datetime:
    """The instant `event` runs for a contact who reached it at `reached` (aware)."""
    tz = ZoneInfo(zone)
    if event.timing == EventTiming.DELAY:
        unit: DelayUnit = "days"
        for known in DELAY_UNITS:
            if known == event.delay_unit:
                unit = known
        resolved = apply_delay(int(reached.timestamp()), Delay(event.delay_amount, unit), tz)
        return datetime.fromtimestamp(resolved.ts, UTC)
    if event.timing == EventTiming.FIXED and event.fixed_at is not None:
        # A fixed time already past runs at once, not never.
        return max(event.fixed_at, reached)
    if event.timing == EventTiming.FIELD and contact is not None:
        value = _field_date(contact, event.date_field)
        if isinstance(value, datetime):
            at = value if value.tzinfo else value.replace(tzinfo=tz)
            return max(at + timedelta(days=event.field_offset_days), reached)
        wall = datetime.combine(
            value + timedelta(days=event.field_offset_days), event.field_time or time(9, 0)
        )
        return max(datetime.fromtimestamp(resolve_local(wall, tz).ts, UTC), reached)
    return reached


def describe(event: Event) -> str:
    """The event's timing in the builder's words."""
    if event.timing == EventTiming.DELAY:
        unit = event.delay_unit if event.delay_amount != 1 else event.delay_unit.rstrip("s")
        return f"{event.delay_amount} {unit} later"
    if event.timing == EventTiming.FIXED and event.fixed_at is not None:
        # In the campaign's zone, where it was typed.
        zone = event.campaign.timezone
        return f"at {event.fixed_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"
    if event.timing == EventTiming.FIELD:
        offset = event.field_offset_days
        shift = f"{abs(offset)} days {'after' if offset > 0 else 'before'} " if offset else "on "
        return f"{shift}the contact's “{event.date_field}”"
    return "immediately"
