"""Template tags that say where a meeting stands in people's words (its phase), and
what can be done to it now, the same way on every page that shows meetings."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from convener.meetings.models import Meeting
from convener.meetings.phases import Phase, phase_of, settled
from convener.scheduling.offers import Offers, offers

register = template.Library()


@register.filter
def phase(meeting: Meeting) -> Phase:
    return phase_of(meeting)


@register.simple_tag
def meeting_badge(meeting: Meeting) -> SafeString:
    """The meeting's phase as a badge; `data-state` keeps the row's own state for
    scripts and tests that read it."""
    shown = phase_of(meeting)
    return format_html(
        '<span class="badge badge-{}" data-state="{}" data-phase="{}">{}</span>',
        shown.tone,
        meeting.state,
        shown.slug,
        shown.label,
    )


@register.filter
def meeting_offers(meeting: Meeting) -> Offers:
    return offers(meeting)


@register.filter
def is_settled(meeting: Meeting) -> bool:
    return settled(meeting)


@register.filter
def any_changing(meetings: Iterable[Meeting]) -> bool:
    """Whether a list of meetings shows one that will still change on its own: the
    list then reloads itself."""
    now = timezone.now()
    return any(not settled(meeting, now) for meeting in meetings)
