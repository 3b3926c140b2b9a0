"""An accepted webhook delivery carried out by the worker: the contact, then the action.

Idempotent twice over: only a delivery still "processing" is run and finished, and the
meeting's trigger reference is the webhook and the sender's
event id, so a task run twice, or two deliveries of one event stored at once, make one
meeting (the second ends "repeated", with the first one's meeting). The contact values
are emptied from the row once applied: the log keeps no one's data past its use.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from convener.hooks.events import contact_delivered
from convener.hooks.models import HookDelivery
from convener.hooks.receive import occurrence
from convener.intake.run import run_action
from convener.intake.sweep import requeue_waiting, waiting_too_long
from convener.intake.upsert import upsert_contact
from convener.intake.values import read_values
from convener.meetings.triggers import TriggerKind, TriggerRef

log = logging.getLogger(__name__)
Outcome = HookDelivery.Outcome


def process(delivery_id: int) -> bool:
    """Carry out the delivery if it is still waiting; whether this call finished it.

    No transaction spans the whole: the contact is saved in its own short one and the
    meeting in schedule()'s (planned before it), so the write lock that senders' requests
    wait for is held for a few inserts, never for a plan. The upsert finds the contact,
    the trigger reference finds the meeting, and the row is finished only while it is
    still waiting: running it twice, even at once, does it once."""
    delivery = (
        HookDelivery.objects.select_related("webhook__action")
        .filter(pk=delivery_id, outcome=Outcome.PROCESSING)
        .first()
    )
    if delivery is None:
        return False  # done already, by an earlier run of its task
    try:
        _process(delivery)
    except Exception as failure:  # the delivery says why; it is never left "processing"
        log.exception("webhook delivery %s could not be processed", delivery_id)
        HookDelivery.objects.filter(pk=delivery_id, outcome=Outcome.PROCESSING).update(
            outcome=Outcome.SKIPPED, reason=f"Could not be processed: {failure}"[:2000], values={}
        )
        return True
    # Finishing the row and telling the rest of Convener (a campaign's webhook source) are
    # one commit: only the call that finishes it tells, and it tells exactly once.
    with transaction.atomic():
        finished = HookDelivery.objects.filter(pk=delivery_id, outcome=Outcome.PROCESSING).update(
            outcome=delivery.outcome,
            reason=delivery.reason,
            contact=delivery.contact,
            meeting=delivery.meeting,
            values={},
        )
        if finished == 1 and delivery.contact is not None:
            contact_delivered(delivery.webhook_id, delivery.contact.pk, delivery.event_id)
    return finished == 1


def _process(delivery: HookDelivery) -> None:
    webhook = delivery.webhook
    values = read_values(delivery.values)  # checked when it arrived
    if values.problems:  # a team member deleted since, say: the reason is on the row
        delivery.outcome = Outcome.SKIPPED
        delivery.reason = "; ".join(f"{p.target}: {p.message}" for p in values.problems)
    else:
        done = upsert_contact(
            values, default_owner_id=webhook.default_owner_id or webhook.created_by_id
        )
        ref = TriggerRef(TriggerKind.WEBHOOK, str(webhook.pk), occurrence(delivery.event_id))
        result = run_action(webhook.action, done.contact.pk, ref)
        delivery.contact = done.contact
        delivery.meeting = result.meeting
        if result.meeting is None:
            delivery.outcome = Outcome.SKIPPED
            delivery.reason = result.skip_reason[:2000]
        elif result.repeated:
            delivery.outcome = Outcome.REPEATED
        else:
            delivery.outcome = Outcome.PLANNED


def recover_waiting(*, now: datetime | None = None, force: bool = False) -> int:
    """Queue again the deliveries whose task died with its worker (convener.intake.sweep)."""
    from convener.hooks.tasks import process_delivery

    waiting = HookDelivery.objects.filter(outcome=Outcome.PROCESSING)
    return requeue_waiting(waiting, process_delivery.enqueue, now=now, force=force)


def recover_if_waiting(delivery: HookDelivery) -> None:
    """Called when a waiting delivery is looked at: its task may have died."""
    if delivery.outcome == Outcome.PROCESSING and waiting_too_long(delivery.queued_at):
        recover_waiting(force=True)  # this row is late: no need to wait for the pace
