"""Adding a delay to a trigger time.

Minutes and hours are elapsed time: 1 hour after 01:30 on a spring-forward night is 03:30 local.
Days, weeks and months are calendar steps in the planning zone: the local wall-clock time is
kept across DST changes (a 10:00 trigger plus 1 day is 10:00 the next day, whether that is 23,
24 or 25 hours later). A month step that lands past the end of a month takes its last day
(Jan 31 + 1 month = Feb 28, or Feb 29 in a leap year). A wall time that lands in a DST gap or
fold is resolved like any other local time (see ``zones.resolve_local``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .zones import ResolvedTime, local_datetime, resolve_local

DelayUnit = Literal["minutes", "hours", "days", "weeks", "months"]
DELAY_UNITS: tuple[DelayUnit, ...] = ("minutes", "hours", "days", "weeks", "months")

# Ten years in each unit: longer delays are mistakes, and the cap keeps dates in range.
MAX_AMOUNT: dict[DelayUnit, int] = {
    "minutes": 10 * 366 * 24 * 60,
    "hours": 10 * 366 * 24,
    "days": 10 * 366,
    "weeks": 10 * 53,
    "months": 10 * 12,
}

_ELAPSED_SECONDS: dict[DelayUnit, int] = {"minutes": 60, "hours": 3600}


@dataclass(frozen=True, slots=True)
class Delay:
    """A delay of ``amount`` ``unit`` (amount >= 0)."""

    amount: int
    unit: DelayUnit


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def apply_delay(trigger_ts: int, delay: Delay, zone: ZoneInfo) -> ResolvedTime:
    """The instant ``delay`` after ``trigger_ts``, calendar units read in ``zone``."""
    if delay.unit in _ELAPSED_SECONDS:
        return ResolvedTime(trigger_ts + delay.amount * _ELAPSED_SECONDS[delay.unit])
    if delay.amount == 0:
        # Re-reading the trigger's own wall time could pick the other side of a fold.
        return ResolvedTime(trigger_ts)
    local = local_datetime(trigger_ts, zone).replace(tzinfo=None)
    notes: tuple[str, ...] = ()
    if delay.unit == "months":
        target = add_months(local.date(), delay.amount)
        if target.day != local.day:
            notes = (
                f"{local.date().isoformat()} plus {delay.amount} month"
                f"{'' if delay.amount == 1 else 's'} is past the end of the month; "
                f"used its last day, {target.isoformat()}",
            )
    else:
        days = delay.amount * (7 if delay.unit == "weeks" else 1)
        target = local.date() + timedelta(days=days)
    resolved = resolve_local(datetime.combine(target, local.time()), zone)
    return ResolvedTime(resolved.ts, resolved.adjustment, notes + resolved.notes)
