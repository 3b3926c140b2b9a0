"""What a plan is asked for: the typed form of the SPEC document.

``parse.py`` builds these from JSON; the Django pipeline can build them directly. Times are
integer epoch seconds (UTC); times of day are seconds since local midnight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import msgspec

from .chain import CHAIN_LINKS, TimezoneSource
from .delay import Delay
from .fields import Instant, LocalDateTime
from .smart import ALL_WEEKDAYS, Interval
from .zones import DAY

Mode = Literal["immediate", "delay", "fixed", "field", "smart"]
MODES: tuple[Mode, ...] = ("immediate", "delay", "fixed", "field", "smart")
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = frozenset(range(5))
DEFAULT_HORIZON_DAYS = 366

# Shared read-only defaults: one empty mapping, not one per recipient.
_EMPTY_FIELDS: Mapping[str, object] = MappingProxyType({})
_NO_BUSY: Mapping[str, Sequence[Interval]] = MappingProxyType({})


class SpecError(ValueError):
    """A SPEC that cannot be planned; ``key`` names the offending key as a dotted path.

    ``key`` looks like ``timing.window.from`` or ``recipients[3].id``; it is empty when the
    document as a whole is wrong (not a JSON object).
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self.message = message


@dataclass(frozen=True, slots=True)
class Window:
    """Working hours ``[from_s, to_s)`` in seconds since local midnight; ``to_s`` may be 86400."""

    from_s: int
    to_s: int = DAY


@dataclass(frozen=True, slots=True)
class Timing:
    """When meetings happen. Only the fields of ``mode`` are used; the rest may stay default.

    ``timezone`` is the action's chosen zone; when None, the SPEC's ``default_timezone`` is
    the action zone (reported as source ``default``).
    """

    mode: Mode
    timezone: str | None = None
    delay: Delay | None = None
    at: LocalDateTime | Instant | None = None
    field: str | None = None
    time_of_day_s: int | None = None
    start: LocalDateTime | Instant | None = None
    gap_s: int = 0
    window: Window | None = None
    weekdays: frozenset[int] = ALL_WEEKDAYS
    per_host: bool = True
    max_per_host_per_day: int | None = None
    horizon_days: int = DEFAULT_HORIZON_DAYS


# A msgspec Struct, not a dataclass: a plan may hold a million of these, and a Struct is made
# in C, about five times faster. gc=False: its fields are texts, a number and JSON values,
# which form no cycles. Not frozen (slower still): treat it as read-only.
# forbid_unknown_fields: a SPEC's recipients are decoded straight into these (reading.py),
# and an unknown key must be refused, to be named by parse.py.
class Recipient(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """One person to meet. ``fields`` holds form or contact field values by name.

    ``triggered_at`` is when this recipient's trigger fired (a form submission, a campaign
    step); immediate and delayed meetings count from it. None means the plan's ``now``.
    """

    id: str
    host: str | None = None
    timezone: str | None = None
    browser_timezone: str | None = None
    fields: Mapping[str, object] = _EMPTY_FIELDS
    triggered_at: int | None = None


@dataclass(frozen=True, slots=True)
class PlanSpec:
    """Everything one plan needs; ``busy`` maps a host to its busy intervals (epoch seconds)."""

    now: int
    duration_s: int
    timing: Timing
    recipients: Sequence[Recipient]
    timezone_chain: tuple[TimezoneSource, ...] = CHAIN_LINKS
    default_timezone: str = "UTC"
    busy: Mapping[str, Sequence[Interval]] = field(default_factory=lambda: _NO_BUSY)
