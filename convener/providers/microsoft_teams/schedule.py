"""Free/busy through Graph's getSchedule: the request body and reading the answer.

getSchedule answers 200 even when a mailbox could not be read: the failure sits in that
schedule's own `error` ({message, responseCode}), so it has to be looked for explicitly.
Statuses: free, tentative, busy, oof, workingElsewhere (availabilityView digits 0-4).
Everything but free counts as busy here; see MicrosoftTeamsProvider.free_busy for why.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from convener.providers.base import BusyInterval, ProviderError
from convener.providers.microsoft_teams.errors import GRAPH, malformed
from convener.providers.microsoft_teams.times import parse_graph_time, utc_time

INTERVAL_MINUTES = 15  # only used when Graph gives the availabilityView without items
BUSY_STATUSES = frozenset({"busy", "oof", "tentative", "workingelsewhere"})
BUSY_DIGITS = frozenset("1234")


def schedule_request(address: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "schedules": [address],
        "startTime": utc_time(start),
        "endTime": utc_time(end),
        "availabilityViewInterval": INTERVAL_MINUTES,
    }


def _schedule_of(data: dict[str, Any], address: str, action: str) -> dict[str, Any]:
    schedules = [s for s in data.get("value") or [] if isinstance(s, dict)]
    for schedule in schedules:
        if str(schedule.get("scheduleId") or "").strip().lower() == address.lower():
            return schedule
    if len(schedules) == 1:  # one asked, one answered (Graph may echo a different alias)
        return schedules[0]
    raise malformed(f"the schedule of {address}", action=action)


def busy_intervals(
    data: dict[str, Any], address: str, start: datetime, end: datetime
) -> list[BusyInterval]:
    """The busy intervals of `address` within [start, end) from a getSchedule answer."""
    action = f"read the free/busy times of {address}"
    schedule = _schedule_of(data, address, action)
    error = schedule.get("error")
    if error:
        code = str(error.get("responseCode") or "") if isinstance(error, dict) else ""
        text = str(error.get("message") or "") if isinstance(error, dict) else str(error)
        detail = ": ".join(part for part in (code, text.strip()[:200]) if part) or "no reason given"
        raise ProviderError(
            f"{GRAPH} could not read the free/busy times of {address} ({detail}); retrying",
            permanent=False,
            code=code,
        )
    items = schedule.get("scheduleItems")
    if isinstance(items, list):
        busy = []
        for item in items:
            if not isinstance(item, dict):
                continue
            if str(item.get("status") or "").lower() not in BUSY_STATUSES:
                continue
            item_start, item_end = (
                parse_graph_time(item.get("start")),
                parse_graph_time(item.get("end")),
            )
            if item_start is None or item_end is None:
                raise malformed("the times of a schedule item", action=action)
            item_start, item_end = max(item_start, start), min(item_end, end)
            if item_start < item_end:
                busy.append(BusyInterval(item_start, item_end))
        return busy
    view = schedule.get("availabilityView")
    if isinstance(view, str):
        slot = timedelta(minutes=INTERVAL_MINUTES)
        return [
            BusyInterval(start + i * slot, min(end, start + (i + 1) * slot))
            for i, digit in enumerate(view)
            if digit in BUSY_DIGITS and start + i * slot < end
        ]
    raise malformed("schedule items or an availability view", action=action)
