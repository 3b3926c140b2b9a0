"""Actions and decisions: what a step does for the contacts that reach an event together.

Each function gets the steps of one event (and one pass number) and returns what became
of each: done (with the branch taken), failed for good with the reason, to be retried,
or (a decision) still waiting. The runner writes that in the transaction of the effect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx2
from django.core.mail import send_mail
from django.db.models import Max, Q

from convener.campaigns import conditions, webhook_log
from convener.campaigns.due import Due
from convener.campaigns.models import (
    DeliveryOutcome,
    Event,
    EventKind,
    EventType,
    Step,
    WebhookDelivery,
)
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.launch import launch_with_outcome
from convener.scheduling.request import ScheduleRequest
from convener.segments.models import Segment, SegmentMember
from convener.webforms.models import Submission

WEBHOOK_TIMEOUT = 10.0
RECHECK = timedelta(seconds=30)  # how often a waiting decision looks again

# What a "meeting outcome" decision waits for, and the meeting states that count.
OUTCOMES: dict[str, set[str]] = {
    "invited": {MeetingState.INVITED, MeetingState.LINKED},
    "link_failed": {MeetingState.LINK_FAILED},
    "cancelled": {MeetingState.CANCELLED},
}


@dataclass
class Outcome:
    done: dict[int, tuple[str, str]] = field(default_factory=dict)  # step: (branch, result)
    failed: dict[int, str] = field(default_factory=dict)  # for good
    retry: dict[int, str] = field(default_factory=dict)
    waiting: dict[int, datetime] = field(default_factory=dict)  # step: wait until


def meeting_reference(event: Event, number: int) -> TriggerRef:
    """The trigger of an event's meetings on one pass: (campaign, event, pass); the
    contact completes the key, so a retried step finds the same meeting."""
    return TriggerRef(TriggerKind.CAMPAIGN, f"{event.campaign_id}.{event.pk}", f"pass-{number}")


def _meeting(event: Event, steps: Sequence[Due], now: datetime) -> Outcome:
    outcome = Outcome()
    if event.action is None:
        return Outcome(failed={s.pk: "The step has no meeting action" for s in steps})
    number = steps[0].number
    request = ScheduleRequest(
        action=event.action,
        contact_ids=[s.contact_id for s in steps],
        trigger=meeting_reference(event, number),
        now=now,
    )
    # All contacts together, so smart scheduling lays them out per owner in one plan.
    _, scheduled = launch_with_outcome(request, label=f"{event.campaign.name}: {event}"[:200])
    skipped = {s.contact_id: s.reason for s in scheduled.skipped}
    for step in steps:
        if step.contact_id in skipped:
            outcome.failed[step.pk] = skipped[step.contact_id][:300]
        else:
            outcome.done[step.pk] = ("", "Meeting scheduled")
    return outcome


def _update_field(event: Event, steps: Sequence[Due]) -> Outcome:
    name = str(event.settings.get("field", ""))
    value = event.settings.get("value", "")
    contacts = Contact.objects.in_bulk([s.contact_id for s in steps])
    for contact in contacts.values():
        if name in conditions.STANDARD_FIELDS:
            setattr(contact, name, value)
        else:
            contact.fields = {**(contact.fields or {}), name: value}
    updated = ["fields"] if name not in conditions.STANDARD_FIELDS else [name]
    Contact.objects.bulk_update(list(contacts.values()), [*updated, "updated_at"])
    return Outcome(done={s.pk: ("", f"{name} set to {value}") for s in steps})


def _segment(event: Event, steps: Sequence[Due], add: bool) -> Outcome:
    segment = Segment.objects.filter(
        pk=int(event.settings.get("segment") or 0), kind=Segment.Kind.STATIC
    ).first()
    if segment is None:
        return Outcome(failed={s.pk: "The segment no longer exists" for s in steps})
    ids = [s.contact_id for s in steps]
    if add:
        SegmentMember.objects.bulk_create(
            [SegmentMember(segment=segment, contact_id=pk) for pk in ids], ignore_conflicts=True
        )
    else:
        SegmentMember.objects.filter(segment=segment, contact_id__in=ids).delete()
    verb = "Added to" if add else "Removed from"
    return Outcome(done={s.pk: ("", f"{verb} {segment.name}") for s in steps})


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _webhook(event: Event, steps: Sequence[Due], now: datetime) -> Outcome:
    """One signed POST per contact. The step id goes along as the delivery id: a receiver
    that keeps them drops the repeat a retry after a killed worker could send. Each try
    goes in the event's delivery log with what came back."""
    outcome = Outcome()
    url, secret = str(event.settings.get("url", "")), str(event.settings.get("secret", ""))
    contacts = Contact.objects.in_bulk([s.contact_id for s in steps])
    tries = dict(Step.objects.filter(pk__in=[s.pk for s in steps]).values_list("pk", "attempts"))
    log: list[WebhookDelivery] = []
    with httpx2.Client(timeout=WEBHOOK_TIMEOUT) as client:
        for step in steps:
            contact = contacts.get(step.contact_id)
            body = json.dumps(
                {
                    "campaign": event.campaign_id,
                    "event": event.pk,
                    "contact": {
                        "id": step.contact_id,
                        "email": contact.email if contact else "",
                        "name": contact.name if contact else "",
                    },
                }
            ).encode()
            headers = {
                "Content-Type": "application/json",
                "X-Convener-Delivery": str(step.pk),
                "X-Convener-Signature": f"sha256={signature(secret, body)}",
            }
            status: int | None = None
            error = ""
            try:
                status = client.post(url, content=body, headers=headers).status_code
            except httpx2.HTTPError as failure:
                error = webhook_log.without_secret(str(failure), secret)
            kind, why = webhook_log.judge(status, error)
            if kind == DeliveryOutcome.FAILED:
                outcome.retry[step.pk] = why
            elif kind == DeliveryOutcome.REFUSED:
                outcome.failed[step.pk] = why
            else:
                outcome.done[step.pk] = ("", why)
            log.append(
                WebhookDelivery(
                    event=event,
                    step_id=step.pk,
                    contact_id=step.contact_id,
                    attempt=tries.get(step.pk, 0) + 1,
                    sent_at=now,
                    url=url[:2000],
                    status_code=status,
                    outcome=kind,
                    why=why,
                )
            )
    WebhookDelivery.objects.bulk_create(log)
    return outcome


def _notify_owner(event: Event, steps: Sequence[Due]) -> Outcome:
    outcome = Outcome()
    contacts = Contact.objects.select_related("owner").in_bulk([s.contact_id for s in steps])
    note = str(event.settings.get("message", ""))
    for step in steps:
        contact = contacts.get(step.contact_id)
        owner = contact.owner if contact else None
        if owner is None or not owner.email:
            outcome.failed[step.pk] = "The contact has no owner with an email address"
            continue
        send_mail(
            f"{event.campaign.name}: {contact.name if contact else ''}",
            f"{contact.name if contact else ''} ({contact.email if contact else ''}) reached "
            f"“{event}” in the campaign “{event.campaign.name}”.\n\n{note}".strip(),
            None,
            [owner.email],
        )
        outcome.done[step.pk] = ("", f"Told {owner.email}")
    return outcome


def _decision(event: Event, steps: Sequence[Due], now: datetime) -> Outcome:
    """Whether the contact did it since reaching the event; if not yet, wait (looking
    again every RECHECK) until the time limit, then take the "no" branch."""
    outcome = Outcome()
    happened: set[int] = set()
    ids = [s.contact_id for s in steps]
    if event.type == EventType.SUBMITS_FORM:
        # Since the contact reached the decision (a waiting step's due time moves on with
        # each look, its wait's end does not).
        wait = timedelta(hours=event.wait_hours)
        reached = {s.pk: s.wait_until - wait if s.wait_until else s.due_at for s in steps}
        latest = dict(
            Submission.objects.filter(
                form_id=event.settings.get("form"),
                contact_id__in=ids,
                received_at__gte=min(reached.values()),
            )
            .values("contact_id")
            .annotate(last=Max("received_at"))
            .values_list("contact_id", "last")
        )
        happened = {
            s.contact_id
            for s in steps
            if s.contact_id in latest and latest[s.contact_id] >= reached[s.pk]
        }
    elif event.type == EventType.MEETING_OUTCOME:
        wanted = OUTCOMES.get(str(event.settings.get("outcome", "invited")), set())
        source = event.settings.get("meeting_event") or _meeting_above(event)
        if source:
            prefixes = Q()
            for number in {s.number for s in steps}:
                ref = TriggerRef(
                    TriggerKind.CAMPAIGN, f"{event.campaign_id}.{source}", f"pass-{number}"
                )
                prefixes |= Q(trigger_key__startswith=ref.prefix)
            happened = set(
                Meeting.objects.filter(prefixes, contact_id__in=ids, state__in=wanted).values_list(
                    "contact_id", flat=True
                )
            )
    for step in steps:
        limit = step.wait_until or now + timedelta(hours=event.wait_hours)
        if step.contact_id in happened:
            outcome.done[step.pk] = ("yes", "It happened")
        elif now >= limit:
            outcome.done[step.pk] = ("no", "It did not happen in time")
        else:
            outcome.waiting[step.pk] = limit
    return outcome


def _meeting_above(event: Event) -> int | None:
    parent = event.parent
    while parent is not None:
        if parent.type == EventType.MEETING:
            return parent.pk
        parent = parent.parent
    return None


def run(event: Event, steps: Sequence[Due], now: datetime) -> Outcome:
    """What the steps of `event` do now."""
    if event.kind == EventKind.CONDITION:
        answers = conditions.decide(event, steps)
        return Outcome(
            done={pk: ("yes", "Yes") if yes else ("no", "No") for pk, yes in answers.items()}
        )
    if event.kind == EventKind.DECISION:
        return _decision(event, steps, now)
    if event.type == EventType.MEETING:
        return _meeting(event, steps, now)
    if event.type == EventType.UPDATE_FIELD:
        return _update_field(event, steps)
    if event.type in {EventType.ADD_TO_SEGMENT, EventType.REMOVE_FROM_SEGMENT}:
        return _segment(event, steps, event.type == EventType.ADD_TO_SEGMENT)
    if event.type == EventType.SEND_WEBHOOK:
        return _webhook(event, steps, now)
    if event.type == EventType.NOTIFY_OWNER:
        return _notify_owner(event, steps)
    return Outcome(failed={s.pk: f"Unknown event type {event.type}" for s in steps})
