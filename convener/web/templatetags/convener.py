"""Template filters: times in a given zone, state badges, the zone datalist, and what
the viewer may see and change (so a page offers only what will work)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.db.models import Model
from django.template import defaultfilters
from django.templatetags.tz import do_timezone
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from convener.providers.registry import UnknownProvider, recipe
from convener.team import access
from convener.timezones import is_iana_zone
from convener.web.zone_picker import zone_options

register = template.Library()


@register.filter
def in_zone(value: datetime | None, zone: str) -> datetime | str | None:
    """The instant in `zone`, kept there by later filters (Django's own `timezone` filter
    marks it so that `date` does not convert it back to the viewer's zone)."""
    if value is None or not is_iana_zone(zone):
        return value
    try:
        shown: datetime | str = do_timezone(value, ZoneInfo(zone))
    except OverflowError:  # see `date` below
        shown = do_timezone(value, UTC)
    return shown


@register.filter(expects_localtime=False)
def date(value: Any, arg: str | None = None) -> str:
    """Django's `date`, in the viewer's zone. A time that zone cannot express (a meeting
    saved at the very end of year 9999, before starts were bounded, seen from east of
    UTC) is shown in UTC, instead of breaking the page for everyone there."""
    if isinstance(value, datetime) and getattr(value, "convert_to_local_time", True):
        try:
            value = timezone.localtime(value) if timezone.is_aware(value) else value
        except OverflowError:
            value = do_timezone(value, UTC)
    return str(defaultfilters.date(value, arg))


@register.simple_tag
def own_zone_time(start: datetime | None, zone: str) -> str:
    """A meeting's start in its own zone, "(16:00 Asia/Shanghai)", shown beside the
    viewer's time when the meeting was planned in another zone; "" otherwise."""
    if start is None or not is_iana_zone(zone) or zone == timezone.get_current_timezone_name():
        return ""
    local = in_zone(start, zone)
    if not isinstance(local, datetime):
        return ""
    return format_html('<span class="own-zone">({} {})</span>', f"{local:%H:%M}", zone)


STATE_TONES = {
    "planned": "neutral",
    "creating": "busy",
    "linked": "good",
    "invited": "good",
    "link_failed": "bad",
    "link_pending": "busy",
    "waiting_connection": "warn",
    "waiting_quota": "warn",
    "cancelled": "neutral",
}


@register.simple_tag
def state_badge(state: str, label: str) -> SafeString:
    return format_html(
        '<span class="badge badge-{}" data-state="{}">{}</span>',
        STATE_TONES.get(state, "neutral"),
        state,
        label,
    )


@register.filter
def provider_name(slug: str) -> str:
    """The display name of the provider `slug`, from its recipe; the slug itself for a
    provider no longer registered (its meetings stay readable)."""
    try:
        return recipe(slug).name
    except UnknownProvider:
        return slug


@register.simple_tag
def zone_datalist() -> SafeString:
    """The zones every time-zone field offers, with their offset now. A datalist works
    without script; static/web/zone-picker.js turns it into a searchable list that also
    finds "New York" and "+01"."""
    # Offsets change only at a zone's transitions, which fall on whole minutes: the list
    # made for this minute is the list for every page made in it.
    return _zone_datalist(timezone.now().replace(second=0, microsecond=0))


@lru_cache(maxsize=2)
def _zone_datalist(minute: datetime) -> SafeString:
    options = format_html_join(
        "",
        '<option value="{}" label="{}">',
        ((o.name, o.label) for o in zone_options(minute)),
    )
    return format_html('<datalist id="iana-zones">{}</datalist>', options)


@register.filter
def may_view(user: Any, obj: Model | None) -> bool:
    return access.can_view(user, obj)


@register.filter
def may_edit(user: Any, obj: Model | None) -> bool:
    return access.can_edit(user, obj)


@register.filter
def may_add_contacts(user: Any) -> bool:
    return access.may_add_contacts(user)
