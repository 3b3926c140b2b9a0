"""How many segments' rules name a custom field: the custom field pages ask before a field
is deleted (registered with web.field_usage from SegmentsConfig.ready)."""

from __future__ import annotations

from typing import Any

from convener.segments.catalog import CUSTOM_PREFIX
from convener.segments.models import Segment
from convener.web.field_usage import FieldUser, register_field_user


def _names(document: Any, field: str) -> bool:
    # Read leniently: a rules document that no longer parses may still name the field.
    groups = document.get("groups") if isinstance(document, dict) else None
    for group in groups if isinstance(groups, list) else []:
        conditions = group.get("conditions") if isinstance(group, dict) else None
        for condition in conditions if isinstance(conditions, list) else []:
            if isinstance(condition, dict) and condition.get("field") == field:
                return True
    return False


def segments_using(key: str) -> int:
    name = f"{CUSTOM_PREFIX}{key}"
    # Read in Python: JSON lookups inside lists differ between SQLite and PostgreSQL, and
    # a team has tens of segments, not millions; only the rules column is fetched.
    dynamic = Segment.objects.filter(kind=Segment.Kind.DYNAMIC).values_list("rules", flat=True)
    return sum(1 for rules in dynamic.iterator() if _names(rules, name))


def register() -> None:
    register_field_user(
        FieldUser(
            one="segment's rules",
            many="segments' rules",
            count=segments_using,
            consequence=(
                "their rules stop working until the condition is removed or the field made "
                "again; the segment and its page stay"
            ),
        )
    )
