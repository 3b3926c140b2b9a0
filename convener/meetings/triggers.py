"""What made a meeting: the trigger kinds, and the reference that makes a re-run of the
same trigger for the same contact find the same meeting.

A trigger reference is (kind, source, occurrence):

- kind: what sort of event it was (a form submission, a work item reaching Ready, ...);
- source: the thing that fired, as an id of the kind's own records (the form, the work
  item, the booking page, the action launched);
- occurrence: which firing of it (the submission, the transition, the launch's
  reference); the same occurrence run again is the same trigger.

Every meeting row stores its kind and source, and a key built from the whole reference
and the contact. The key is unique, so "same trigger + same contact = same meeting" holds
for every trigger however often, and however concurrently, it runs; and the source leads
back from a form submission or a work item to its meetings
(`convener.meetings.models.meetings_from`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db import models

SOURCE_MAX = 100
OCCURRENCE_MAX = 100


class TriggerKind(models.TextChoices):
    CONTACT = "contact", "Contact page"
    BULK = "bulk", "Bulk selection"
    SEGMENT = "segment", "Segment"
    FORM = "form", "Web form"
    CAMPAIGN = "campaign", "Campaign step"
    WORK_ITEM = "work_item", "Work item"
    CALENDAR_EVENT = "calendar_event", "Calendar event"
    BOOKING = "booking", "Booking page"
    API = "api", "API"
    WEBHOOK = "webhook", "Inbound webhook"


def new_occurrence() -> str:
    """An occurrence for a trigger that never repeats itself (each click is new)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class TriggerRef:
    kind: TriggerKind
    source: str
    occurrence: str = field(default_factory=new_occurrence)

    def __post_init__(self) -> None:
        # The key is read from the left: a colon in the source would let two sources
        # share keys. Sources are ids the trigger's package builds, never user text.
        if not self.source or ":" in self.source or len(self.source) > SOURCE_MAX:
            raise ValueError(f"a trigger source is a non-empty id without ':', not {self.source!r}")
        if not self.occurrence or len(self.occurrence) > OCCURRENCE_MAX:
            raise ValueError(f"a trigger occurrence has 1 to {OCCURRENCE_MAX} characters")

    @property
    def prefix(self) -> str:
        """The start of the keys of this trigger's meetings; the contact id follows."""
        return f"{self.kind}:{self.source}:{self.occurrence}:"

    def meeting_key(self, contact_id: int) -> str:
        return f"{self.prefix}{contact_id}"
