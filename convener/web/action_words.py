"""An action's settings in words, for its page and the list of actions: "Smart scheduling
from 09:00 on Tue 1 Dec, 10 minutes apart, 09:00 to 17:00 on weekdays, in Europe/Paris"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from convener.meetings.models import CredentialsPolicy, MeetingAction
from convener.timeplan.spec import WEEKDAY_NAMES
from convener.web.action_form import CHAIN_LABELS
from convener.web.timing_fields import END_OF_DAY, WEEKDAY_LABELS, WEEKDAYS_ONLY
from convener.web.when import local_in_words


def zone_of(action: MeetingAction) -> str:
    return action.timezone or str(settings.DEFAULT_TIMEZONE)


def _local(text: object, zone: str) -> str:
    if not isinstance(text, str):
        return "?"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        return f"{moment:%H:%M} on {moment:%a %d %b %Y} (UTC{moment:%z})"
    return local_in_words(moment, zone)


def _days(days: Any) -> str:
    if days in (None, "all") or (isinstance(days, list) and len(days) == 7):
        return "every day"
    if days == "weekdays" or days == WEEKDAYS_ONLY:
        return "weekdays"
    if isinstance(days, list):
        names = dict(zip(WEEKDAY_NAMES, WEEKDAY_LABELS, strict=True))
        return ", ".join(names.get(str(d)[:3].lower(), str(d)) for d in days)
    return str(days)


def timing_in_words(action: MeetingAction) -> str:
    timing = action.timing or {}
    mode = timing.get("mode", "immediate")
    zone = zone_of(action)
    if mode == "delay":
        delay = timing.get("delay") or {}
        amount, unit = delay.get("amount", 0), str(delay.get("unit", "hours"))
        unit = unit[:-1] if amount == 1 else unit
        return f"{amount} {unit} after the trigger"
    if mode == "fixed":
        return f"At {_local(timing.get('at'), zone)}"
    if mode == "field":
        text = f"At the date in the contact field “{timing.get('field')}”"
        if timing.get("time_of_day"):
            text += f"; dates without a time at {timing['time_of_day']} in {zone}"
        return text
    if mode == "smart":
        parts = ["Smart scheduling"]
        start = _local(timing.get("start"), zone).removesuffix(f" in {zone}")
        parts.append(f"from {start}" if timing.get("start") else "from the launch on")
        gap = timing.get("gap_minutes") or 0
        parts.append(f"{gap} minutes apart" if gap else "back to back")
        window = timing.get("window")
        hours = (
            f"{window.get('from')} to {window.get('to')}".replace(END_OF_DAY, "24:00")
            if isinstance(window, dict)
            else "any time"
        )
        parts.append(f"{hours} on {_days(timing.get('days'))} in {zone}")
        per_host = timing.get("per_host") is not False
        parts.append("each host their own sequence" if per_host else "one sequence for everyone")
        if timing.get("max_per_host_per_day"):
            parts.append(f"at most {timing['max_per_host_per_day']} a day per host")
        return ", ".join(parts)
    return "Immediately"


def credentials_in_words(action: MeetingAction) -> str:
    def one(policy: str) -> str:
        if policy == CredentialsPolicy.NAMED_USER:
            named = action.named_user
            return f"{named.display_name}'s account" if named else "a named user's account"
        return str(CredentialsPolicy(policy).label)

    text = one(action.credentials)
    if action.fallback and action.fallback != action.credentials:
        text += f", else {one(action.fallback)[:1].lower()}{one(action.fallback)[1:]}"
    return text


def chain_in_words(action: MeetingAction) -> list[str]:
    return [CHAIN_LABELS.get(link, link) for link in action.chain]
