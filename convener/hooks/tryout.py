"""What a sample payload would do, without saving anything: the values the mapping
reads, the problems by path, the contact it would update or make, and when the meeting
would start (or why there would be none)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from convener import timeplan
from convener.crm.models import Contact
from convener.hooks.models import Webhook
from convener.hooks.receive import read_payload
from convener.intake.start import planned_start
from convener.intake.values import targets
from convener.team.models import User


@dataclass
class TryResult:
    errors: list[dict[str, str]] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)  # (field label, value)
    contact: Contact | None = None  # the contact it would update; None: it would make one
    start: datetime | None = None
    timezone: str = ""
    skipped: str = ""


def try_payload(webhook: Webhook, sample: str) -> TryResult:
    try:
        document: Any = json.loads(sample)
    except (ValueError, RecursionError) as error:
        return TryResult(errors=[{"field": "body", "message": f"not valid JSON: {error}"}])
    values, errors = read_payload(webhook, document)
    if errors:
        return TryResult(errors=errors)
    labels = {t.key: t.label for t in targets()}
    shown = [(labels["email"], values.email)]
    shown += [(labels.get(k, k), str(v)) for k, v in values.values.items() if k != "owner_id"]
    if "owner_id" in values.values:
        owner = User.objects.filter(pk=values.values["owner_id"]).first()
        shown.append((labels["owner"], owner.email if owner else ""))
    shown += [(labels.get(f"fields.{k}", k), str(v)) for k, v in values.fields.items()]
    existing = Contact.objects.with_email(values.email).first()
    result = TryResult(values=shown, contact=existing)
    planned = planned_start(webhook.action, values, existing, browser_timezone=None)
    if isinstance(planned, timeplan.SkippedRecipient):
        result.skipped = planned.reason
    else:
        result.start, result.timezone = planned.start, planned.timezone
    return result
