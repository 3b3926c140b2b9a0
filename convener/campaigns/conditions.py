"""Conditions: a yes or a no for each contact, read from what is stored now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from convener.campaigns.due import Due
from convener.campaigns.models import Event, EventType, Journey
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingState
from convener.segments.membership import rules_q
from convener.segments.models import Segment, SegmentMember
from convener.webforms.models import Submission

STANDARD_FIELDS = ("email", "first_name", "last_name", "company", "timezone")

OPERATORS: dict[str, str] = {
    "equals": "is",
    "not_equals": "is not",
    "contains": "contains",
    "empty": "is empty",
    "not_empty": "is not empty",
    "before": "is before",
    "after": "is after",
}


def contact_value(contact: Contact, name: str) -> Any:
    if name in STANDARD_FIELDS:
        return getattr(contact, name)
    return (contact.fields or {}).get(name)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def compare(value: Any, op: str, expected: str) -> bool:
    """`value op expected`, with dates compared as dates and text ignoring letter case."""
    text = "" if value is None else str(value)
    if op == "empty":
        return text == ""
    if op == "not_empty":
        return text != ""
    if op in {"before", "after"}:
        have, want = _as_date(value), _as_date(expected)
        if have is None or want is None:
            return False
        return have < want if op == "before" else have > want
    if op == "contains":
        return expected.casefold() in text.casefold()
    same = text.casefold() == expected.casefold()
    return not same if op == "not_equals" else same


def decide(event: Event, steps: Sequence[Due]) -> dict[int, bool]:
    """Each step's answer (by step id)."""
    ids = [s.contact_id for s in steps]
    settings = event.settings or {}
    if event.type == EventType.FIELD_VALUE:
        contacts = Contact.objects.in_bulk(ids)
        return {
            s.pk: s.contact_id in contacts
            and compare(
                contact_value(contacts[s.contact_id], str(settings.get("field", ""))),
                str(settings.get("op", "equals")),
                str(settings.get("value", "")),
            )
            for s in steps
        }
    if event.type == EventType.IN_SEGMENT:
        segment = Segment.objects.filter(pk=int(settings.get("segment") or 0)).first()
        inside: set[int] = set()
        if segment is not None and segment.is_dynamic:
            inside = set(
                Contact.objects.filter(pk__in=ids)
                .filter(rules_q(segment.rules, segment.timezone, None))
                .values_list("pk", flat=True)
            )
        elif segment is not None:
            inside = set(
                SegmentMember.objects.filter(segment=segment, contact_id__in=ids).values_list(
                    "contact_id", flat=True
                )
            )
        return {s.pk: s.contact_id in inside for s in steps}
    if event.type == EventType.SUBMISSION_VALUE:
        journeys = Journey.objects.in_bulk([s.journey_id for s in steps])
        submissions = Submission.objects.in_bulk(
            [j.submission_id for j in journeys.values() if j.submission_id]
        )
        answers: dict[int, bool] = {}
        for s in steps:
            journey = journeys.get(s.journey_id)
            submission = submissions.get(journey.submission_id or 0) if journey else None
            value = (
                (submission.values or {}).get(str(settings.get("field", "")))
                if submission
                else None
            )
            answers[s.pk] = compare(
                value, str(settings.get("op", "equals")), str(settings.get("value", ""))
            )
        return answers
    if event.type == EventType.HAS_UPCOMING_MEETING:
        from django.utils import timezone

        # Not yet over: a meeting scheduled "immediately" has begun by the time the next
        # step asks, and still counts.
        upcoming = set(
            Meeting.objects.filter(contact_id__in=ids, end__gt=timezone.now())
            .exclude(state=MeetingState.CANCELLED)
            .values_list("contact_id", flat=True)
        )
        return {s.pk: s.contact_id in upcoming for s in steps}
    return {s.pk: False for s in steps}
