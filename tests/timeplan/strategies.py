"""Hypothesis strategies: smart-scheduling SPECs over every IANA zone from 2001 to 2040.

Half the cases are anchored within days of one of the zone's offset transitions, so DST
changes (and odder ones, like Samoa skipping a day) are exercised often, not by luck.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from convener.timeplan.zones import known_zone_names

ZONES = sorted(known_zone_names())
DAY = 86_400
# Meetings start from 2000-01-01 (UTC) on; a year's margin keeps shifted values inside.
FIRST_YEAR = 2001
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Windows near midnight and around the usual transition hours, plus ordinary working hours.
WINDOWS = [
    (0, 90),
    (0, 1440),
    (60, 240),
    (120, 180),
    (90, 210),
    (1380, 1440),
    (540, 1020),
    (0, 60),
    (1320, 1440),
    (150, 155),
    (30, 1410),
]


def offset_at(ts: int, zone: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(ts, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def year_start(year: int) -> int:
    return int(datetime(year, 1, 1, tzinfo=UTC).timestamp())


@cache
def transitions(name: str, year: int) -> tuple[int, ...]:
    """The instants in ``year`` where ``name``'s offset changes (6-hourly probe, bisected)."""
    zone = ZoneInfo(name)
    found: list[int] = []
    here, end = year_start(year), year_start(year + 1)
    offset = offset_at(here, zone)
    while here < end:
        probe = here + 6 * 3600
        if offset_at(probe, zone) != offset:
            low, high = here, probe
            while high - low > 1:
                mid = (low + high) // 2
                low, high = (mid, high) if offset_at(mid, zone) == offset else (low, mid)
            found.append(high)
            offset = offset_at(probe, zone)
        here = probe
    return tuple(found)


def utc_text(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class SmartCase:
    """A SPEC document and the same settings in the units the checks use."""

    doc: dict[str, Any]
    zone: ZoneInfo
    window: tuple[int, int]  # seconds since local midnight
    weekdays: frozenset[int]
    duration: int
    gap: int
    max_per_day: int | None
    horizon_days: int
    per_host: bool
    busy: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def sequence_of(self, host: str | None) -> str | None:
        """Which sequence a host's meetings belong to (one for all without per_host)."""
        return host if self.per_host else None

    def busy_for(self, host: str | None) -> list[tuple[int, int]]:
        if not self.per_host:
            return [interval for intervals in self.busy.values() for interval in intervals]
        return self.busy.get(host, []) if host is not None else []


@st.composite
def smart_cases(draw: st.DrawFn, max_recipients: int = 25) -> SmartCase:
    name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(name)
    year = draw(st.integers(FIRST_YEAR, 2040))
    changes = transitions(name, year)
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1))
    focus = bool(changes) and draw(st.integers(0, 2)) > 0
    if focus:
        # Start up to a day before a transition, with a window around its wall-clock time
        # on an allowed day, so that sequences run into and through it.
        change = draw(st.sampled_from(changes))
        now = (change - draw(st.integers(0, DAY))) // 60 * 60
        before = datetime.fromtimestamp(change - 1, zone)
        after = datetime.fromtimestamp(change, zone)
        minutes = [moment.hour * 60 + moment.minute for moment in (before, after)]
        low = max(0, min(minutes) - draw(st.integers(0, 180)))
        window = (low, min(1440, max(max(minutes), low) + draw(st.integers(5, 180))))
        weekdays |= {before.weekday(), after.weekday()}
    else:
        now = (year_start(year) + draw(st.integers(0, 364 * DAY))) // 60 * 60
        if draw(st.booleans()):
            window = draw(st.sampled_from(WINDOWS))
        else:
            low = draw(st.integers(0, 1439))
            window = (low, draw(st.integers(low + 1, 1440)))
    local_now = datetime.fromtimestamp(now, zone).replace(tzinfo=None)
    start_day = local_now.date() + timedelta(days=draw(st.integers(-1, 0 if focus else 1)))
    start_minute = draw(st.integers(0, 1439))
    start = f"{start_day.isoformat()}T{hhmm(start_minute)}"
    duration = draw(st.sampled_from([5, 15, 30, 45, 60]) | st.integers(5, 180))
    gap = draw(st.integers(0, 90))
    max_per_day = draw(st.none() | st.integers(1, 6))
    horizon = draw(st.integers(1, 6))
    per_host = draw(st.booleans())
    host_count = draw(st.integers(1, 4))
    hosts = [f"u{n}" for n in range(host_count)]
    count = draw(st.integers(0, max_recipients))
    assigned = [draw(st.sampled_from(hosts)) for _ in range(count)]
    busy: dict[str, list[tuple[int, int]]] = {}
    for host in hosts:
        spans = draw(
            st.lists(st.tuples(st.integers(-24 * 60, 5 * 24 * 60), st.integers(1, 300)), max_size=6)
        )
        busy[host] = [(now + begin * 60, now + (begin + length) * 60) for begin, length in spans]
    doc = {
        "now": utc_text(now),
        "duration_minutes": duration,
        "timing": {
            "mode": "smart",
            "timezone": name,
            "start": start,
            "gap_minutes": gap,
            "window": {"from": hhmm(window[0]), "to": hhmm(window[1])},
            "days": [WEEKDAYS[day] for day in sorted(weekdays)],
            "per_host": per_host,
            "max_per_host_per_day": max_per_day,
            "horizon_days": horizon,
        },
        "recipients": [{"id": f"c{index}", "host": host} for index, host in enumerate(assigned)],
        "busy": {
            host: [{"start": utc_text(s), "end": utc_text(e)} for s, e in intervals]
            for host, intervals in busy.items()
        },
    }
    return SmartCase(
        doc=doc,
        zone=zone,
        window=(window[0] * 60, window[1] * 60),
        weekdays=weekdays,
        duration=duration * 60,
        gap=gap * 60,
        max_per_day=max_per_day,
        horizon_days=horizon,
        per_host=per_host,
        busy=busy,
    )


@st.composite
def instants_near_transitions(draw: st.DrawFn) -> tuple[ZoneInfo, int]:
    """A zone and an instant from 2001 to 2040, often within a day of a transition."""
    name = draw(st.sampled_from(ZONES))
    year = draw(st.integers(FIRST_YEAR, 2040))
    changes = transitions(name, year)
    near = draw(st.booleans())
    if changes and near:
        ts = draw(st.sampled_from(changes)) + draw(st.integers(-DAY, DAY))
    else:
        ts = year_start(year) + draw(st.integers(0, 365 * DAY - 1))
    return ZoneInfo(name), ts // 60 * 60
