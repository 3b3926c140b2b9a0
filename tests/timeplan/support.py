"""Builders shared by the timeplan tests: SPEC documents with sensible defaults."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from convener.timeplan import plan_document

NOW = "2026-11-21T09:00:00Z"  # a Saturday


def spec(
    timing: dict[str, Any], recipients: list[dict[str, Any]] | None = None, **top: Any
) -> dict[str, Any]:
    """A SPEC document; ``top`` overrides top-level keys (now, duration_minutes, busy, ...)."""
    doc: dict[str, Any] = {
        "now": NOW,
        "duration_minutes": 30,
        "timing": copy.deepcopy(timing),
        "timezone_chain": ["browser", "contact", "action", "default"],
        "default_timezone": "UTC",
        "recipients": recipients if recipients is not None else [{"id": "c1", "host": "u1"}],
    }
    doc.update(top)
    return doc


def contacts(count: int, host: str = "u1", **extra: Any) -> list[dict[str, Any]]:
    """``count`` recipients c1, c2, … of one host."""
    return [{"id": f"c{number}", "host": host, **extra} for number in range(1, count + 1)]


def smart(**timing: Any) -> dict[str, Any]:
    """Smart timing in Europe/Berlin from Tuesday 2026-12-01 10:00, 10-minute gap, 10-18."""
    base: dict[str, Any] = {
        "mode": "smart",
        "timezone": "Europe/Berlin",
        "start": "2026-12-01T10:00",
        "gap_minutes": 10,
        "window": {"from": "10:00", "to": "18:00"},
    }
    base.update(timing)
    return base


def planned(doc: dict[str, Any]) -> dict[str, Any]:
    return plan_document(doc)


def local_starts(result: dict[str, Any], fmt: str = "%a %H:%M") -> list[str]:
    """Each meeting's local start, formatted (by default like 'Tue 10:00')."""
    return [datetime.fromisoformat(m["local_start"]).strftime(fmt) for m in result["meetings"]]


def only_meeting(result: dict[str, Any]) -> dict[str, Any]:
    assert result["skipped"] == [], result["skipped"]
    assert len(result["meetings"]) == 1, result["meetings"]
    meeting: dict[str, Any] = result["meetings"][0]
    return meeting


def only_skip(result: dict[str, Any]) -> dict[str, Any]:
    assert result["meetings"] == [], result["meetings"]
    assert len(result["skipped"]) == 1, result["skipped"]
    skip: dict[str, Any] = result["skipped"][0]
    return skip


def utc(text: str) -> datetime:
    """An aware datetime from an output 'start'/'end' value."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def in_zone(text: str, zone: str) -> datetime:
    return utc(text).astimezone(ZoneInfo(zone))
