"""Reading and checking a SPEC document (parsed JSON) into a ``PlanSpec``.

Every problem raises ``SpecError`` naming the key, e.g. ``timing.window.from: expected HH:MM``.
Unknown keys are errors too, so that a misspelt setting is never silently ignored. Every key
that is present is checked, whichever timing mode is chosen; a null value means the default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import attrgetter
from types import MappingProxyType
from typing import TypeVar, cast

from .bounds import LONGEST_MEETING_MINUTES, SHORTEST_MEETING_MINUTES
from .chain import CHAIN_LINKS, TimezoneSource
from .delay import DELAY_UNITS, MAX_AMOUNT, Delay
from .entries import RecipientEntry, TypedRecipients
from .fields import MAX_YEAR, MIN_YEAR, Instant, LocalDate, LocalDateTime, parse_when, year_in_range
from .smart import ALL_WEEKDAYS, Interval
from .spec import (
    DEFAULT_HORIZON_DAYS,
    MODES,
    WEEKDAY_NAMES,
    WEEKDAYS,
    PlanSpec,
    Recipient,
    SpecError,
    Timing,
    Window,
)
from .zones import DAY, load_zone, wall_seconds

_TOP_KEYS = frozenset(
    {
        "now",
        "duration_minutes",
        "timing",
        "timezone_chain",
        "default_timezone",
        "recipients",
        "busy",
    }
)
_TIMING_KEYS = frozenset(
    {
        "mode",
        "delay",
        "at",
        "field",
        "time_of_day",
        "start",
        "gap_minutes",
        "window",
        "days",
        "per_host",
        "max_per_host_per_day",
        "timezone",
        "horizon_days",
    }
)
_RECIPIENT_KEYS = frozenset(
    {"id", "host", "timezone", "browser_timezone", "fields", "triggered_at"}
)
_T = TypeVar("_T")
_ID = attrgetter("id")
# One shared empty mapping for the recipients without fields, as in spec.Recipient.
_EMPTY_FIELDS: Mapping[str, object] = MappingProxyType({})
_HHMM = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
# 2026-12-01T09:00:00Z exactly: what _instant reads the fast way.
_CANONICAL_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", re.ASCII)
_DATETIME_EXAMPLE = "like 2026-12-01T10:00 or 2026-12-01T10:00:00Z"
_INSTANT_EXAMPLE = "like 2026-11-21T09:00:00Z"


def parse_spec(doc: object, *, now: datetime | None = None) -> PlanSpec:
    """The ``PlanSpec`` for a SPEC document; ``now`` is used only when the SPEC has none."""
    top = _object(doc, "")
    _no_unknown_keys(top, _TOP_KEYS, "")
    if top.get("now") is not None:
        now_ts = _instant(top["now"], "now")
    elif now is not None:
        if now.utcoffset() is None:
            raise ValueError("now must be an aware datetime")
        now_ts = int(now.timestamp())
    else:
        raise SpecError("now", "required")
    duration = _integer(
        _required(top, "duration_minutes", ""),
        "duration_minutes",
        SHORTEST_MEETING_MINUTES,
        LONGEST_MEETING_MINUTES,
    )
    default_zone = top.get("default_timezone")
    default_zone = "UTC" if default_zone is None else _zone_name(default_zone, "default_timezone")
    return PlanSpec(
        now=now_ts,
        duration_s=duration * 60,
        timing=_timing(_required(top, "timing", ""), "timing"),
        recipients=_recipients(_required(top, "recipients", ""), "recipients"),
        timezone_chain=_chain(top.get("timezone_chain"), "timezone_chain"),
        default_timezone=default_zone,
        busy=_busy(top.get("busy"), "busy"),
    )


def _timing(value: object, key: str) -> Timing:
    timing = _object(value, key)
    _no_unknown_keys(timing, _TIMING_KEYS, key)
    mode = _required(timing, "mode", key)
    if mode not in MODES:
        raise SpecError(f"{key}.mode", "must be one of " + ", ".join(MODES))
    required = {"delay": "delay", "fixed": "at", "field": "field"}.get(cast(str, mode))
    if required is not None and timing.get(required) is None:
        raise SpecError(f"{key}.{required}", f"required when mode is {mode}")
    zone = _optional(timing, "timezone", key, _zone_name)
    field = _optional(timing, "field", key, _field_name)
    max_per_day = timing.get("max_per_host_per_day")
    horizon = timing.get("horizon_days")
    return Timing(
        mode=mode,
        timezone=zone,
        delay=_optional(timing, "delay", key, _delay),
        at=_optional(timing, "at", key, _local_or_instant),
        field=field,
        time_of_day_s=_optional(timing, "time_of_day", key, _hhmm),
        start=_optional(timing, "start", key, _local_or_instant),
        gap_s=60 * (_optional(timing, "gap_minutes", key, _gap_minutes) or 0),
        window=_optional(timing, "window", key, _window),
        weekdays=_optional(timing, "days", key, _days) or ALL_WEEKDAYS,
        per_host=_optional(timing, "per_host", key, _boolean) is not False,
        max_per_host_per_day=(
            None
            if max_per_day is None
            else _integer(max_per_day, f"{key}.max_per_host_per_day", 1, 24 * 60)
        ),
        horizon_days=(
            DEFAULT_HORIZON_DAYS
            if horizon is None
            else _integer(horizon, f"{key}.horizon_days", 1, 10 * 366)
        ),
    )


def _delay(value: object, key: str) -> Delay:
    delay = _object(value, key)
    _no_unknown_keys(delay, frozenset({"amount", "unit"}), key)
    unit = _required(delay, "unit", key)
    if unit not in DELAY_UNITS:
        raise SpecError(f"{key}.unit", "must be one of " + ", ".join(DELAY_UNITS))
    amount = _integer(_required(delay, "amount", key), f"{key}.amount", 0, MAX_AMOUNT[unit])
    return Delay(amount, unit)


def _window(value: object, key: str) -> Window:
    window = _object(value, key)
    _no_unknown_keys(window, frozenset({"from", "to"}), key)
    from_s = _hhmm(_required(window, "from", key), f"{key}.from")
    to_s = _hhmm(_required(window, "to", key), f"{key}.to", allow_end_of_day=True)
    if from_s >= to_s:
        raise SpecError(f"{key}.to", f"must be later than from ({window['from']})")
    return Window(from_s, to_s)


def _days(value: object, key: str) -> frozenset[int]:
    if value in ("weekdays", "all"):
        return WEEKDAYS if value == "weekdays" else ALL_WEEKDAYS
    if not isinstance(value, list) or not value:
        raise SpecError(key, 'expected "weekdays", "all" or a list of days such as ["mon", "tue"]')
    days: set[int] = set()
    for index, name in enumerate(value):
        day = _DAY_NUMBERS.get(name.strip().lower()) if isinstance(name, str) else None
        if day is None:
            raise SpecError(f"{key}[{index}]", "expected one of " + ", ".join(WEEKDAY_NAMES))
        days.add(day)
    return frozenset(days)


_DAY_NUMBERS = {
    name: number
    for number, names in enumerate(
        zip(
            WEEKDAY_NAMES,
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
            strict=True,
        )
    )
    for name in names
}


def _recipients(value: object, key: str) -> list[Recipient]:
    if isinstance(value, TypedRecipients):
        return _typed_recipients(value, key)
    if not isinstance(value, list):
        raise SpecError(key, "expected a list")
    recipients: list[Recipient] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        here = f"{key}[{index}]"
        entry = _object(item, here)
        if not _RECIPIENT_KEYS.issuperset(entry):
            _no_unknown_keys(entry, _RECIPIENT_KEYS, here)
        ident = _required(entry, "id", here)
        if not isinstance(ident, str) or not ident:
            raise SpecError(f"{here}.id", "expected a non-empty string")
        if ident in seen:
            raise SpecError(f"{here}.id", f"duplicate id {ident!r} (also {key}[{seen[ident]}])")
        seen[ident] = index
        fields = entry.get("fields")
        if fields is not None and not isinstance(fields, dict):
            raise SpecError(f"{here}.fields", "expected an object")
        triggered = entry.get("triggered_at")
        recipients.append(
            Recipient(
                id=ident,
                host=_optional_string(entry.get("host"), f"{here}.host"),
                timezone=_optional_string(entry.get("timezone"), f"{here}.timezone"),
                browser_timezone=_optional_string(
                    entry.get("browser_timezone"), f"{here}.browser_timezone"
                ),
                fields=fields if fields is not None else {},
                triggered_at=(
                    None if triggered is None else _instant(triggered, f"{here}.triggered_at")
                ),
            )
        )
    return recipients


def _typed_recipients(typed: TypedRecipients, key: str) -> list[Recipient]:
    """``_recipients`` for recipients whose keys and JSON types were checked as they were
    read: what is left to check gives the same errors, in the same order.

    The ids of a million recipients are checked at once (a set); only when one is empty or
    repeated are they walked one by one, to name the first such recipient as
    ``_recipients`` would.
    """
    entries: Sequence[Recipient | RecipientEntry] = (
        typed.entries if typed.ready is None else typed.ready
    )
    ids = list(map(_ID, entries))
    unique = set(ids)
    if len(unique) != len(ids) or "" in unique:
        _first_problem(entries, key)
    del ids, unique
    if typed.ready is not None:
        return typed.ready
    triggered = [
        None
        if entry.triggered_at is None
        else _instant(entry.triggered_at, f"{key}[{index}].triggered_at")
        for index, entry in enumerate(typed.entries)
    ]
    return [
        Recipient(
            entry.id,
            entry.host,
            entry.timezone,
            entry.browser_timezone,
            _EMPTY_FIELDS if entry.fields is None else entry.fields,
            triggered[index],
        )
        for index, entry in enumerate(typed.entries)
    ]


def _first_problem(entries: Sequence[RecipientEntry | Recipient], key: str) -> None:
    """Raise the error of the first entry with an empty or repeated id, or, before it, a
    ``triggered_at`` that is not an instant."""
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        here = f"{key}[{index}]"
        if not entry.id:
            raise SpecError(f"{here}.id", "expected a non-empty string")
        if entry.id in seen:
            raise SpecError(
                f"{here}.id", f"duplicate id {entry.id!r} (also {key}[{seen[entry.id]}])"
            )
        seen[entry.id] = index
        if isinstance(entry.triggered_at, str):
            _instant(entry.triggered_at, f"{here}.triggered_at")


def _busy(value: object, key: str) -> dict[str, list[Interval]]:
    if value is None:
        return {}
    hosts = _object(value, key)
    busy: dict[str, list[Interval]] = {}
    for host, intervals in hosts.items():
        here = f"{key}.{host}"
        if not isinstance(intervals, list):
            raise SpecError(here, "expected a list of {start, end} objects")
        parsed: list[Interval] = []
        for index, item in enumerate(intervals):
            at = f"{here}[{index}]"
            entry = _object(item, at)
            _no_unknown_keys(entry, frozenset({"start", "end"}), at)
            start = _instant(_required(entry, "start", at), f"{at}.start")
            end = _instant(_required(entry, "end", at), f"{at}.end")
            if end <= start:
                raise SpecError(f"{at}.end", "must be later than start")
            parsed.append((start, end))
        busy[host] = parsed
    return busy


def _chain(value: object, key: str) -> tuple[TimezoneSource, ...]:
    if value is None:
        return CHAIN_LINKS
    if not isinstance(value, list) or not value:
        raise SpecError(key, "expected a non-empty list of " + ", ".join(CHAIN_LINKS))
    for index, link in enumerate(value):
        if link not in CHAIN_LINKS:
            raise SpecError(f"{key}[{index}]", "must be one of " + ", ".join(CHAIN_LINKS))
        if value.index(link) != index:
            raise SpecError(f"{key}[{index}]", f"{link} is listed twice")
    return tuple(cast(list[TimezoneSource], value))


# Small readers. Each raises SpecError with the key it was given.


def _object(value: object, key: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise SpecError(key, "expected a JSON object")
    return cast(Mapping[str, object], value)


def _no_unknown_keys(obj: Mapping[str, object], known: frozenset[str], key: str) -> None:
    for name in obj:
        if name not in known:
            prefix = f"{key}." if key else ""
            known_list = ", ".join(sorted(known))
            raise SpecError(f"{prefix}{name}", f"unknown key; known keys: {known_list}")


def _required(obj: Mapping[str, object], name: str, key: str) -> object:
    value = obj.get(name)
    if value is None:
        raise SpecError(f"{key}.{name}" if key else name, "required")
    return value


def _optional(
    obj: Mapping[str, object], name: str, key: str, reader: Callable[[object, str], _T]
) -> _T | None:
    value = obj.get(name)
    return None if value is None else reader(value, f"{key}.{name}")


def _integer(value: object, key: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise SpecError(key, "expected a whole number")
    if not low <= value <= high:
        raise SpecError(key, f"must be between {low} and {high}")
    return value


def _gap_minutes(value: object, key: str) -> int:
    return _integer(value, key, 0, 7 * 24 * 60)


def _field_name(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(key, "expected a field name")
    return value


def _boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(key, "expected true or false")
    return value


def _optional_string(value: object, key: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise SpecError(key, "expected a string or null")
    return value


def _zone_name(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise SpecError(key, "expected an IANA time zone name such as Europe/Berlin")
    if load_zone(value) is None:
        raise SpecError(key, f"unknown time zone {value!r}")
    return value


def _hhmm(value: object, key: str, *, allow_end_of_day: bool = False) -> int:
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise SpecError(key, "expected HH:MM")
    hours, minutes = int(match.group(1)), int(match.group(2))
    seconds = hours * 3600 + minutes * 60
    if minutes > 59 or not (hours <= 23 or (allow_end_of_day and seconds == DAY)):
        raise SpecError(
            key,
            "expected HH:MM" + (" (00:00 to 24:00)" if allow_end_of_day else " (00:00 to 23:59)"),
        )
    return seconds


def _instant(value: object, key: str) -> int:
    if isinstance(value, str) and _CANONICAL_INSTANT.fullmatch(value):
        # The form busy intervals come in by the hundred thousand: read by datetime's C
        # parser, ten times faster. Whatever it refuses goes the general way below.
        try:
            utc = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if MIN_YEAR <= utc.year <= MAX_YEAR:
                return wall_seconds(utc)
    when = parse_when(value) if isinstance(value, str) else None
    if not isinstance(when, Instant):
        raise SpecError(key, f"expected a date-time with Z or an offset, {_INSTANT_EXAMPLE}")
    _in_range(when, key)
    return when.ts


def _local_or_instant(value: object, key: str) -> LocalDateTime | Instant:
    when = parse_when(value) if isinstance(value, str) else None
    if when is None or isinstance(when, LocalDate):
        raise SpecError(key, f"expected a date-time, {_DATETIME_EXAMPLE}")
    _in_range(when, key)
    return when


def _in_range(when: LocalDateTime | Instant, key: str) -> None:
    if not year_in_range(when):
        raise SpecError(key, f"year must be between {MIN_YEAR} and {MAX_YEAR}")
