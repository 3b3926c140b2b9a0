"""People, contacts and documents shared by the segment tests."""

from __future__ import annotations

from typing import Any

from convener.crm.models import Contact, CustomField
from convener.meetings.models import MeetingAction
from convener.segments.models import Segment
from convener.team.models import User


def condition(field: str, operator: str, value: Any = None) -> dict[str, Any]:
    found: dict[str, Any] = {"field": field, "operator": operator}
    if value is not None:
        found["value"] = value
    return found


def rules(*groups: list[Any]) -> dict[str, Any]:
    return {"groups": [{"conditions": list(group)} for group in groups]}


def acme_rules() -> dict[str, Any]:
    return rules([condition("company", "is", "Acme")])


def acme_segment(owner: User | None, name: str = "Acme people") -> Segment:
    return Segment.objects.create(name=name, owner=owner, rules=acme_rules())


def acme_contacts(owner: User | None, *names: str) -> list[Contact]:
    return [
        Contact.objects.create(
            email=f"{name.lower()}@acme.example", first_name=name, company="Acme", owner=owner
        )
        for name in names
    ]


def renewal_field() -> CustomField:
    return CustomField.objects.create(key="renewal", label="Renewal", kind="date")


def jitsi_action(name: str = "Check-in") -> MeetingAction:
    return MeetingAction.objects.create(
        name=name, provider="jitsi", title_template="Check-in with {{ contact.first_name }}"
    )
