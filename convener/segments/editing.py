"""Making and changing a segment, the one check behind the API and the pages: errors are
keyed by field (a rule's by its place, "rules.groups.0.conditions.1.value"), and nothing
is saved while one remains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from convener.plaintext import single_line_error
from convener.segments import rules
from convener.segments.models import NAME_MAX, Segment
from convener.timezones import zone_refusal


@dataclass(frozen=True)
class SegmentChange:
    """What to change; None leaves a field as it is."""

    name: str | None = None
    kind: str | None = None
    rules: Any = None
    timezone: str | None = None


def _name(value: str) -> tuple[str, str]:
    name = value.strip()
    if not name:
        return name, "Give the segment a name."
    if len(name) > NAME_MAX:
        return name, f"The name has {len(name)} characters; at most {NAME_MAX}."
    if problem := single_line_error(name):
        return name, f"The name {problem}."
    return name, ""


def apply_change(segment: Segment, change: SegmentChange) -> None:
    """Check `change` and set it on `segment` (not saved); ValidationError keyed by field
    when something is wrong, and then `segment` keeps its stored rules."""
    errors: dict[str, Any] = {}
    if change.name is not None:
        segment.name, problem = _name(change.name)
        if problem:
            errors["name"] = problem
    if change.kind is not None and change.kind != segment.kind:
        if segment.pk is not None:
            errors["kind"] = (
                "A segment stays the kind it was made: make a new segment of the other kind."
            )
        elif change.kind not in Segment.Kind.values:
            errors["kind"] = f"{change.kind!r} is not a kind of segment; use dynamic or static."
        else:
            segment.kind = change.kind
    if change.timezone:
        zone = change.timezone.strip()
        if refusal := zone_refusal(zone):
            errors["timezone"] = refusal
        else:
            segment.timezone = zone
    if segment.is_dynamic:
        if change.rules is not None:
            try:
                segment.rules = rules.parse(change.rules).document()
            except rules.RulesError as exc:
                errors.update(exc.message_dict())
        elif segment.pk is None:
            errors["rules"] = "A dynamic segment needs rules: add at least one condition."
    elif change.rules:
        errors["rules"] = "A static segment has no rules: its members are added by hand."
    else:
        segment.rules = {}
    if errors:
        raise ValidationError(errors)
