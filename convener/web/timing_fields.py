"""An action's timing as form fields, and back: the planner's SPEC timing object
(docs/timeplan.md) is built from friendly fields (a date, a time, ticked days) and never
shown as JSON. Errors the planner raises on a SPEC key are shown on the field that set it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from convener.timeplan.spec import WEEKDAY_NAMES

WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAYS_ONLY = list(WEEKDAY_NAMES[:5])
END_OF_DAY = "24:00"

# SPEC keys (and the action's own fields the planner reads) to the form field that sets
# them. A key is matched with its longest listed prefix: timing.window.to -> window_to,
# timing.days[2] -> days, timing -> timing_mode.
SPEC_FIELDS: dict[str, str] = {
    "timing": "timing_mode",
    "timing.mode": "timing_mode",
    "timing.delay": "delay_amount",
    "timing.delay.amount": "delay_amount",
    "timing.delay.unit": "delay_unit",
    "timing.at": "fixed_date",
    "timing.field": "field_key",
    "timing.time_of_day": "time_of_day",
    "timing.start": "smart_start_date",
    "timing.gap_minutes": "gap_minutes",
    "timing.window": "window_from",
    "timing.window.from": "window_from",
    "timing.window.to": "window_to",
    "timing.days": "days",
    "timing.per_host": "per_host",
    "timing.max_per_host_per_day": "max_per_day",
    "timing.horizon_days": "timing_mode",
    "timing.timezone": "timezone",
    "timezone_chain": "timezone_chain",
}


def form_field_for(key: str) -> str:
    """The form field that shows an error on `key` (a SPEC path or an action field)."""
    best = ""
    for prefix in SPEC_FIELDS:
        if (key == prefix or key.startswith((f"{prefix}.", f"{prefix}["))) and len(prefix) > len(
            best
        ):
            best = prefix
    return SPEC_FIELDS[best] if best else key


def _hhmm(value: time | None) -> str | None:
    return None if value is None else f"{value:%H:%M}"


def _local(on: date | None, at: time | None) -> str | None:
    if on is None:
        return None
    return datetime.combine(on, at or time(0, 0)).strftime("%Y-%m-%dT%H:%M")


def timing_from_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The SPEC timing object for cleaned form data; keys a mode does not use are left
    out, so that a value typed for another mode is never stored."""
    mode = data.get("timing_mode") or "immediate"
    timing: dict[str, Any] = {"mode": mode}
    if mode == "delay":
        timing["delay"] = {
            "amount": data.get("delay_amount") if data.get("delay_amount") is not None else 0,
            "unit": data.get("delay_unit") or "hours",
        }
    elif mode == "fixed":
        timing["at"] = _local(data.get("fixed_date"), data.get("fixed_time"))
    elif mode == "field":
        timing["field"] = data.get("field_key") or None
        if data.get("time_of_day") is not None:
            timing["time_of_day"] = _hhmm(data["time_of_day"])
    elif mode == "smart":
        start = _local(data.get("smart_start_date"), data.get("smart_start_time"))
        if start:
            timing["start"] = start
        timing["gap_minutes"] = data.get("gap_minutes") or 0
        window = _window(data.get("window_from"), data.get("window_to"))
        if window:
            timing["window"] = window
        days = [d for d in WEEKDAY_NAMES if d in (data.get("days") or [])]
        timing["days"] = "weekdays" if days == WEEKDAYS_ONLY else (days or "all")
        timing["per_host"] = data.get("per_host", "owner") != "one"
        if data.get("max_per_day"):
            timing["max_per_host_per_day"] = data["max_per_day"]
    return timing


def _window(start: time | None, end: time | None) -> dict[str, str] | None:
    if start is None and end is None:
        return None
    start_text = _hhmm(start) or "00:00"
    # A time input cannot say 24:00: midnight as the end of a window means the end of
    # the day, never the start of it.
    end_text = END_OF_DAY if end is None or (end == time(0, 0) and start != end) else _hhmm(end)
    return {"from": start_text, "to": end_text or END_OF_DAY}


def _time(text: object) -> time | None:
    if not isinstance(text, str):
        return None
    if text == END_OF_DAY:
        return time(0, 0)
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


def _date_time(text: object) -> tuple[date | None, time | None]:
    if not isinstance(text, str):
        return None, None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None, None
    return moment.date(), moment.time().replace(second=0, microsecond=0)


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def fields_from_timing(timing: dict[str, Any] | None) -> dict[str, Any]:
    """Initial form values for a stored timing object."""
    timing = dict(timing or {})
    mode = timing.get("mode") or "immediate"
    values: dict[str, Any] = {"timing_mode": mode}
    delay = _object(timing.get("delay"))
    values["delay_amount"] = delay.get("amount", 1)
    values["delay_unit"] = delay.get("unit", "hours")
    values["fixed_date"], values["fixed_time"] = _date_time(timing.get("at"))
    values["field_key"] = timing.get("field") or ""
    values["time_of_day"] = _time(timing.get("time_of_day"))
    values["smart_start_date"], values["smart_start_time"] = _date_time(timing.get("start"))
    values["gap_minutes"] = timing.get("gap_minutes") or 0
    window = _object(timing.get("window"))
    values["window_from"] = _time(window.get("from"))
    values["window_to"] = _time(window.get("to"))
    days = timing.get("days")
    if days == "weekdays":
        values["days"] = WEEKDAYS_ONLY
    elif isinstance(days, list):
        values["days"] = [str(d)[:3].lower() for d in days]
    else:
        values["days"] = list(WEEKDAY_NAMES)
    values["per_host"] = "one" if timing.get("per_host") is False else "owner"
    values["max_per_day"] = timing.get("max_per_host_per_day")
    return values
