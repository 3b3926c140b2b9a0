"""A claimed step as the runner hands it to the actions: a few plain values, not a model
object, so a meeting step reached by 100,000 contacts together fits in little memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

FIELDS = ("pk", "contact_id", "journey_id", "campaign_id", "number", "due_at", "wait_until")


@dataclass(slots=True)
class Due:
    pk: int
    contact_id: int
    journey_id: int
    campaign_id: int
    number: int
    due_at: datetime
    wait_until: datetime | None
    branch: str = ""
