"""Smart scheduling gives exactly the earliest valid slot, checked against brute force.

The brute force walks every minute (all inputs are whole minutes, and so are offsets and
transitions from 2000 to 2040), reads each minute's wall clock with zoneinfo, and takes the
first minute where the meeting fits: inside one allowed day's window by the wall clock,
clear of busy time, under the daily cap, before the horizon. It shares no code with the
planner beyond the SPEC it is given.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import accumulate

from hypothesis import given, settings

from convener.timeplan import plan_document

from .strategies import SmartCase, smart_cases


def seconds(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def brute_force(case: SmartCase) -> dict[str, int | None]:
    zone, timing = case.zone, case.doc["timing"]
    now = seconds(case.doc["now"])
    start = int(datetime.fromisoformat(timing["start"]).replace(tzinfo=zone, fold=0).timestamp())
    first = max(start, now)
    until = first + case.horizon_days * 86_400
    length = case.duration // 60
    minutes = (until - first) // 60 + length + 1
    low, high = case.window
    inside: list[bool] = []
    dates: list[object] = []
    for index in range(minutes):
        local = datetime.fromtimestamp(first + 60 * index, zone)
        of_day = local.hour * 3600 + local.minute * 60 + local.second
        inside.append(local.weekday() in case.weekdays and low <= of_day < high)
        dates.append(local.date())
    # fits[i]: how many minutes from i on stay inside the window of minute i's date.
    fits = [0] * (minutes + 1)
    for index in range(minutes - 1, -1, -1):
        if inside[index]:
            same = index + 1 < minutes and inside[index + 1] and dates[index + 1] == dates[index]
            fits[index] = 1 + (fits[index + 1] if same else 0)

    result: dict[str, int | None] = {}
    order: dict[str | None, list[str]] = {}
    hosts: dict[str, str | None] = {}
    for recipient in case.doc["recipients"]:
        order.setdefault(case.sequence_of(recipient["host"]), []).append(recipient["id"])
        hosts[recipient["id"]] = recipient["host"]
    for ids in order.values():
        busy = case.busy_for(hosts[ids[0]])
        blocked = [any(s <= first + 60 * i < e for s, e in busy) for i in range(minutes)]
        taken = [0, *accumulate(blocked)]
        per_day: dict[object, int] = {}
        candidate = first
        for ident in ids:
            index, found = (candidate - first) // 60, None
            while first + 60 * index < until:
                if (
                    fits[index] >= length
                    and taken[index + length] == taken[index]
                    and (
                        case.max_per_day is None or per_day.get(dates[index], 0) < case.max_per_day
                    )
                ):
                    found = first + 60 * index
                    break
                index += 1
            result[ident] = found
            if found is None:
                continue  # the candidate stays put, so every later recipient is skipped too
            per_day[dates[index]] = per_day.get(dates[index], 0) + 1
            candidate = found + case.duration + case.gap
    return result


@settings(max_examples=150, deadline=None)
@given(smart_cases())
def test_every_meeting_is_at_the_earliest_valid_slot(case: SmartCase) -> None:
    result = plan_document(case.doc)
    planned: dict[str, int | None] = {m["id"]: seconds(m["start"]) for m in result["meetings"]}
    planned.update({s["id"]: None for s in result["skipped"]})

    expected = brute_force(case)

    shown = {k: v and datetime.fromtimestamp(v, UTC).isoformat() for k, v in expected.items()}
    assert planned == expected, shown
