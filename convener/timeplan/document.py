"""The plan as a JSON-ready document, and the SPEC-in, document-out entry point.

Output (see docs/timeplan.md for every key)::

    {"meetings": [{"id", "host", "start", "end", "timezone", "timezone_source",
                   "local_start", "local_end", "adjustment", "notes"}],
     "skipped": [{"id", "reason", "code"}],
     "notes": ["..."]}
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .bulk import collector_paused
from .parse import parse_spec
from .plan import plan
from .results import Plan
from .zones import DAY

_EPOCH = date(1970, 1, 1)


def plan_document(doc: object, *, now: datetime | None = None) -> dict[str, Any]:
    """Plan a SPEC document and return the plan document.

    ``now`` (aware) is used only when the SPEC has no ``now``. Raises ``SpecError`` naming the
    key when the SPEC is malformed.
    """
    return plan_to_document(plan(parse_spec(doc, now=now)))


def time_texts() -> tuple[Callable[[int], str], Callable[[int, str], str]]:
    """Two functions that write an instant as UTC text and as local text in a zone.

    Smart plans put many hosts' meetings on the same instants, so each text is made once
    and remembered for the life of the pair.
    """
    days: dict[int, str] = {}
    utc_texts: dict[int, str] = {}
    local_texts: dict[tuple[int, str], str] = {}
    zones: dict[str, ZoneInfo] = {}

    def utc_text(ts: int) -> str:
        text = utc_texts.get(ts)
        if text is None:
            day, rest = divmod(ts, DAY)
            prefix = days.get(day)
            if prefix is None:
                prefix = days[day] = (_EPOCH + timedelta(days=day)).isoformat()
            hours, rest = divmod(rest, 3600)
            minutes, seconds = divmod(rest, 60)
            text = utc_texts[ts] = f"{prefix}T{hours:02d}:{minutes:02d}:{seconds:02d}Z"
        return text

    def local_text(ts: int, name: str) -> str:
        text = local_texts.get((ts, name))
        if text is None:
            zone = zones.get(name)
            if zone is None:
                zone = zones[name] = ZoneInfo(name)
            text = local_texts[ts, name] = datetime.fromtimestamp(ts, zone).isoformat()
        return text

    return utc_text, local_text


def plan_to_document(result: Plan) -> dict[str, Any]:
    """The JSON-ready form of ``result``: meetings and skips in recipient order."""
    utc_text, local_text = time_texts()
    with collector_paused():
        return {
            "meetings": [
                {
                    "id": meeting.id,
                    "host": meeting.host,
                    "start": utc_text(meeting.start_ts),
                    "end": utc_text(meeting.end_ts),
                    "timezone": meeting.timezone,
                    "timezone_source": meeting.timezone_source,
                    "local_start": local_text(meeting.start_ts, meeting.timezone),
                    "local_end": local_text(meeting.end_ts, meeting.timezone),
                    "adjustment": meeting.adjustment,
                    "notes": list(meeting.notes),
                }
                for meeting in result.meetings
            ],
            "skipped": [
                {"id": skip.id, "reason": skip.reason, "code": skip.code} for skip in result.skipped
            ],
            "notes": list(result.notes),
        }
