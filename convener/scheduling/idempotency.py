"""Idempotency keys for requests that schedule meetings, as payment APIs have them.

A key belongs to the person who sent it. The first request with a key stores the key, a
fingerprint of its body and what it made, in the same transaction as the meetings; a
repeat with the same body answers from that record without scheduling anything (no
second meeting, no throwaway action), and the same key with another body is refused,
since answering it with the first request's meetings would hide the difference.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, transaction

from convener.meetings.models import IdempotentRequest
from convener.scheduling.request import ScheduleOutcome, Skip
from convener.team.models import User


class KeyReused(Exception):
    """The key came before with a different body."""


def fingerprint(body: Mapping[str, Any]) -> str:
    """SHA-256 of the body as validated (defaults filled in), with sorted keys: the same
    request gives the same fingerprint however its JSON was spelled."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(user: User, key: str, body_fingerprint: str) -> ScheduleOutcome | None:
    earlier = IdempotentRequest.objects.filter(user=user, key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != body_fingerprint:
        raise KeyReused(
            f"the idempotency key {key!r} was used before with a different request; "
            "send the same request again, or use a new key"
        )
    return ScheduleOutcome(
        existing_ids=list(earlier.meeting_ids),
        skipped=[Skip(int(s["contact_id"]), str(s["reason"])) for s in earlier.skipped],
    )


def schedule_once(
    user: User, key: str, body_fingerprint: str, run: Callable[[], ScheduleOutcome]
) -> ScheduleOutcome:
    """Run `run` once for this person's key; a repeat gets the first run's outcome (its
    meetings as existing). Raises KeyReused for the same key with another body."""
    earlier = _replay(user, key, body_fingerprint)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            record = IdempotentRequest.objects.create(
                user=user, key=key, fingerprint=body_fingerprint
            )
            outcome = run()
            record.meeting_ids = outcome.meeting_ids
            record.skipped = [s.as_dict() for s in outcome.skipped]
            record.save(update_fields=["meeting_ids", "skipped"])
    except IntegrityError:
        # The same key arrived twice at once and the other request committed first (the
        # unique key made this one wait for it): answer as its repeat.
        earlier = _replay(user, key, body_fingerprint)
        if earlier is None:
            raise
        return earlier
    return outcome
