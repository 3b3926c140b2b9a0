"""Reading dates and date-times from text: SPEC values and form or contact field values.

Accepted, ISO 8601 style (a space may replace the T; seconds and fractions are optional;
fractions are dropped, plans are to the second)::

    2026-12-03                   a date: takes timing.time_of_day in the action zone
    2026-12-03T15:00             a local date-time: read in the recipient's zone
    2026-12-03T15:00:00Z         an instant (Z or an offset such as +01:00)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from .zones import wall_seconds

_WHEN = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))?)?",
    re.ASCII,
)

# Values outside these years are refused, so that adding a delay, a duration or a horizon
# can never leave the range datetime supports.
MIN_YEAR = 1000
MAX_YEAR = 9000


@dataclass(frozen=True, slots=True)
class LocalDate:
    """A date without a time of day."""

    value: date


@dataclass(frozen=True, slots=True)
class LocalDateTime:
    """A wall-clock date-time without a zone (naive)."""

    value: datetime


@dataclass(frozen=True, slots=True)
class Instant:
    """An absolute instant, from a value with Z or an explicit offset."""

    ts: int


When = LocalDate | LocalDateTime | Instant
FieldProblemCode = Literal["field_empty", "not_a_date", "date_out_of_range"]


def parse_when(text: str) -> When | None:
    """The date, local date-time or instant ``text`` spells, or None if it is not one."""
    match = _WHEN.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, zulu, sign, off_h, off_m = match.groups()
    try:
        day_value = date(int(year), int(month), int(day))
        if hour is None:
            return LocalDate(day_value)
        wall = datetime(
            day_value.year,
            day_value.month,
            day_value.day,
            int(hour),
            int(minute),
            int(second or 0),
        )
        if zulu is None and sign is None:
            return LocalDateTime(wall)
        offset = 0 if zulu else int(off_h) * 3600 + int(off_m) * 60
        if int(off_h or 0) > 23 or int(off_m or 0) > 59:
            return None
        if sign == "-":
            offset = -offset
        return Instant(wall_seconds(wall) - offset)
    except ValueError:
        return None


def year_in_range(when: When) -> bool:
    """Whether the value is within the years plans support (MIN_YEAR to MAX_YEAR)."""
    if isinstance(when, Instant):
        year = (datetime(1970, 1, 1) + timedelta(seconds=when.ts)).year
    else:
        year = when.value.year
    return MIN_YEAR <= year <= MAX_YEAR


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """Why a field gives no date, in words for people, plus a stable code for programs."""

    code: FieldProblemCode
    reason: str


def read_field(fields: Mapping[str, object], name: str) -> When | FieldProblem:
    """The date or date-time in field ``name``, or why there is none."""
    value = fields.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return FieldProblem("field_empty", f"field {name} is empty")
    when = parse_when(value) if isinstance(value, str) else None
    if when is None:
        return FieldProblem("not_a_date", f"field {name} is not a date: {value!r}")
    if not year_in_range(when):
        return FieldProblem(
            "date_out_of_range",
            f"field {name} is out of range (years {MIN_YEAR} to {MAX_YEAR}): {value!r}",
        )
    return when


def format_utc(ts: int) -> str:
    """An instant as ISO 8601 with +00:00, as skip reasons show it."""
    return datetime.fromtimestamp(ts, UTC).isoformat()
