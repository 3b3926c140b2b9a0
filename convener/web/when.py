"""Times in words, as people read them: "10:00 on Tue 1 Dec in Asia/Shanghai".

Pages and form errors name a time in a zone the reader knows (theirs, the action's),
never as an ISO string in UTC; reasons that come from the planner with ISO instants in
them are reworded with `instants_in_words`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from convener.timezones import is_iana_zone

# An ISO 8601 instant as the planner and the range checks write them.
_INSTANT = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")


def day_in_words(on: date, *, today: date | None = None) -> str:
    """Tue 1 Dec, with the year when it is not this year's."""
    today = today or timezone.localdate()
    text = f"{on:%a} {on.day} {on:%b}"
    return text if on.year == today.year else f"{text} {on.year}"


def local_in_words(local: datetime, zone: str, *, today: date | None = None) -> str:
    """A wall time (naive, or aware in `zone`) in `zone`: 10:00 on Tue 1 Dec in Asia/Shanghai."""
    return f"{local:%H:%M} on {day_in_words(local.date(), today=today)} in {zone}"


def in_words(moment: datetime, zone: str, *, today: date | None = None) -> str:
    """An instant in `zone` (an unknown zone: UTC), in words."""
    zone = zone if is_iana_zone(zone) else "UTC"
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except OverflowError:  # a year-9999 instant east of UTC: say it in UTC instead
        zone, local = "UTC", moment.astimezone(ZoneInfo("UTC"))
    return local_in_words(local, zone, today=today)


def instants_in_words(text: str, zone: str) -> str:
    """`text` with every ISO instant in it said in words in `zone`."""

    def spoken(match: re.Match[str]) -> str:
        try:
            moment = datetime.fromisoformat(match.group(0).replace("Z", "+00:00"))
        except ValueError:
            return match.group(0)
        return in_words(moment, zone)

    return _INSTANT.sub(spoken, text)
