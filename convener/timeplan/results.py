"""What a plan decides: a meeting or a skip with a reason for every recipient."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import msgspec

from .chain import NoZoneCode, TimezoneSource
from .fields import FieldProblemCode
from .zones import Adjustment

SkipCode = FieldProblemCode | NoZoneCode | Literal["no_time_of_day", "date_in_the_past", "no_slot"]


# A msgspec Struct, not a dataclass: smart scheduling makes a million of these, and a Struct
# is made in C, about five times faster, and is smaller. gc=False: it holds only texts,
# numbers and a tuple of texts, never a cycle. Not frozen (that is slower still): treat
# it as read-only.
class PlannedMeeting(msgspec.Struct, gc=False):
    """One planned meeting. ``start_ts``/``end_ts`` are epoch seconds (UTC).

    ``timezone`` is the zone it was planned in and ``timezone_source`` the chain link that
    supplied it. ``adjustment`` says when a requested local time fell in a DST gap or fold;
    ``notes`` explain that and any zone the chain passed over, in words.
    """

    id: str
    host: str | None
    start_ts: int
    end_ts: int
    timezone: str
    timezone_source: TimezoneSource
    adjustment: Adjustment | None = None
    notes: tuple[str, ...] = ()

    @property
    def start(self) -> datetime:
        """The start as an aware UTC datetime."""
        return datetime.fromtimestamp(self.start_ts, UTC)

    @property
    def end(self) -> datetime:
        """The end as an aware UTC datetime."""
        return datetime.fromtimestamp(self.end_ts, UTC)

    @property
    def local_start(self) -> datetime:
        """The start as an aware datetime in the planning zone."""
        return datetime.fromtimestamp(self.start_ts, ZoneInfo(self.timezone))

    @property
    def local_end(self) -> datetime:
        """The end as an aware datetime in the planning zone."""
        return datetime.fromtimestamp(self.end_ts, ZoneInfo(self.timezone))


class SkippedRecipient(msgspec.Struct, gc=False):
    """A recipient who gets no meeting, with a reason a person understands."""

    id: str
    code: SkipCode
    reason: str


@dataclass(slots=True)
class Plan:
    """Meetings and skips, both in recipient order; ``notes`` are about the plan as a whole."""

    meetings: list[PlannedMeeting] = field(default_factory=list)
    skipped: list[SkippedRecipient] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
