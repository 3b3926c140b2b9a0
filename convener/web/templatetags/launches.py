"""Template filters of the action, launch and run pages: times and reasons in words, in
the viewer's zone (or the zone given)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from convener.scheduling.preview import Day
from convener.timezones import is_iana_zone
from convener.web import when

register = template.Library()


def _viewer_zone() -> str:
    return timezone.get_current_timezone_name()


@register.filter
def words(value: datetime | None, zone: str = "") -> str:
    """An instant in words, in `zone` (default: the viewer's): 10:00 on Tue 1 Dec in ..."""
    if value is None:
        return ""
    return when.in_words(value, zone or _viewer_zone())


# The planner names its settings by their SPEC keys; people know them by the form's words.
_SETTINGS = {
    "timing.start": "the first meeting's day and time",
    "timing.time_of_day": "the time of day",
}


@register.filter
def said(text: Any) -> str:
    """A reason or a note with any ISO instant in it said in the viewer's zone, in words,
    and the planner's setting names said as the form says them."""
    words = when.instants_in_words(str(text or ""), _viewer_zone())
    for key, name in _SETTINGS.items():
        words = words.replace(key, name)
    return words


@register.filter
def reason_words(text: Any) -> str:
    """`said`, as a sentence of its own (a reason starts in lower case)."""
    words = said(text)
    return words[:1].upper() + words[1:]


def _local(value: datetime, zone: str) -> datetime:
    try:
        return value.astimezone(ZoneInfo(zone if is_iana_zone(zone) else "UTC"))
    except OverflowError:
        return value.astimezone(UTC)


@register.filter
def local_hhmm(value: datetime | None, zone: str) -> str:
    """The time of day of an instant in `zone` (HH:MM), for the timeline's rows."""
    return "" if value is None else f"{_local(value, zone):%H:%M}"


@register.filter
def local_day(value: datetime | None, zone: str) -> str:
    """The instant's day in `zone` (Tue 1 Dec), for a time on another day than the host's."""
    if value is None:
        return ""
    local = _local(value, zone)
    return f"{local:%a} {local.day} {local:%b}"


@register.simple_tag
def timeline_strip(day: Day, zone: str) -> SafeString:
    """One day of a host's plan as a strip: each meeting a block at its time of day
    (minutes from local midnight over 1,440), with marks at 06:00, 12:00 and 18:00. SVG
    attributes, not styles: the Content-Security-Policy allows no inline style."""
    slots = format_html_join(
        "",
        '<rect x="{}" y="3" width="{}" height="14" class="slot"/>',
        ((minute, length) for minute, length in day.spans),
    )
    label = (
        f"{day.count} meeting{'s' if day.count != 1 else ''} between "
        f"{local_hhmm(day.first, zone)} and {local_hhmm(day.last, zone)}"
    )
    return format_html(
        '<svg class="strip" viewBox="0 0 1440 20" preserveAspectRatio="none" role="img" '
        'aria-label="{}">{}{}</svg>',
        label,
        mark_safe(_TICKS),  # noqa: S308 (a constant)
        slots,
    )


_TICKS = "".join(f'<line x1="{x}" y1="0" x2="{x}" y2="20" class="tick"/>' for x in (360, 720, 1080))


@register.filter
def from_now(value: datetime | None) -> str:
    """How far ahead an estimate is, roughly: within a minute, in about 3 minutes, ..."""
    if value is None:
        return ""
    seconds = (value - timezone.now()).total_seconds()
    if seconds < 60:
        return "within a minute"
    if seconds < 3600:
        count, unit = round(seconds / 60), "minute"
    elif seconds < 2 * 86400:
        count, unit = round(seconds / 3600), "hour"
    else:
        count, unit = round(seconds / 86400), "day"
    return f"in about {count} {unit}{'s' if count != 1 else ''}"
