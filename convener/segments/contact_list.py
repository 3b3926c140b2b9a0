"""Segments in the contacts list: the "Segment" filter and the bulk bar's "Add to
segment…" and "Remove from segment".

The contacts list lives in web, which segments imports (its forms use web's fields), so
web cannot import segments back without a cycle. This module registers them with the
list instead (web.contact_query.register_filter), from SegmentsConfig.ready.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from convener.crm.models import Contact
from convener.segments import membership, permissions, rules
from convener.segments.models import Segment
from convener.team.access import NotVisible
from convener.web.contact_query import (
    BulkAction,
    ContactQuery,
    FilterProblem,
    ListFilter,
    register_filter,
)

PARAM = "segment"
# The filter's list of segments; a team with more finds the rest on the Segments page.
OPTIONS_MAX = 500


def segment_options(user: Any) -> list[tuple[str, str]]:
    segments = permissions.visible_segments(user).order_by("name", "pk")[:OPTIONS_MAX]
    return [(str(s.pk), f"{s.name} ({'dynamic' if s.is_dynamic else 'static'})") for s in segments]


def filtered_segment(value: str, user: Any) -> Segment:
    """The segment a filter value names; FilterProblem when the person cannot see one."""
    try:
        return permissions.find_segment(user, value if value.isdigit() else None)
    except NotVisible:
        raise FilterProblem("Segment: this segment no longer exists; choose another.") from None


def keep_members(value: str, user: Any, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    segment = filtered_segment(value, user)
    try:
        # A subquery, never a list: a dynamic segment's rules run inside the list's query.
        members = membership.members(segment, user).values("pk")
    except rules.RulesError as exc:
        raise FilterProblem(
            f"Segment “{segment.name}”: its rules no longer hold ({exc.problems[0].message}); "
            "correct them on the segment's page."
        ) from None
    return contacts.filter(pk__in=members)


def _add_href(query: ContactQuery, user: Any) -> str | None:
    return reverse("contacts_add_to_segment") if permissions.may_add_segments(user) else None


def removable_segment(query: ContactQuery, user: Any) -> Segment | None:
    """The static segment the list is filtered by, when the person may change it."""
    value = query.value_of(PARAM)
    if not value.isdigit():
        return None
    segment = permissions.visible_segments(user).filter(pk=int(value)).first()
    if segment is None or segment.is_dynamic or not permissions.may_change(user, segment):
        return None
    return segment


def _remove_href(query: ContactQuery, user: Any) -> str | None:
    segment = removable_segment(query, user)
    return reverse("segment_contacts_remove", args=[segment.pk]) if segment else None


SEGMENT_FILTER = ListFilter(
    param=PARAM,
    label="Segment",
    options=segment_options,
    keep=keep_members,
    actions=(
        BulkAction(
            key="segment-add",
            label="Add to segment…",
            title="Add the selected contacts to a segment",
            href=_add_href,
        ),
        BulkAction(
            key="segment-remove",
            label="Remove from segment",
            title="Remove the selected contacts from the segment",
            href=_remove_href,
        ),
    ),
)


def register() -> None:
    register_filter(SEGMENT_FILTER)
