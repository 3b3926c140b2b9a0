"""Contacts entering a campaign, and steps leading to the next events.

Every write here is a row with a due time; nothing waits in memory. Entering makes a
Journey (the contact's pass) and a Step at each first event; finishing a step makes the
steps of the events below it (on the branch taken), due as their timing says. Both are
inserted with `ignore_conflicts` on the unique keys, so the same entry or the same step
finished twice (a retry after a killed worker) adds nothing twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from convener.campaigns.due import Due
from convener.campaigns.models import Campaign, Event, Journey, Step, StepState
from convener.campaigns.timing import NoDate, due_at
from convener.crm.models import Contact

CHUNK = 2000
# SQLite lets one writer in at a time and keeps no queue: a writer finding the database
# locked sleeps and looks again, up to 100 ms apart. An entry that committed a batch and
# began the next at once would keep it out until the last batch (the worker's task
# threads timed out behind a large segment entering). Pausing longer than that between
# batches lets whoever waits in; a writer then waits for one batch at most.
WRITERS_GAP = 0.12


def live_events(campaign: Campaign) -> QuerySet[Event]:
    return Event.objects.filter(campaign=campaign, removed=False)


def first_events(campaign: Campaign) -> list[Event]:
    return list(live_events(campaign).filter(parent__isnull=True))


def accepting(campaign: Campaign, now: datetime) -> bool:
    """Whether contacts may enter now: published and inside its activation window."""
    if not campaign.published:
        return False
    if campaign.active_from is not None and now < campaign.active_from:
        return False
    return campaign.active_until is None or now < campaign.active_until


@dataclass
class Entered:
    entered: int = 0
    already: int = 0  # in the campaign already (or done, when it allows no restart)


def _steps_for(
    events: Sequence[Event],
    journeys: Iterable[Journey],
    reached: datetime,
    zone: str,
    contacts: dict[int, Contact],
) -> list[Step]:
    steps: list[Step] = []
    for journey in journeys:
        for event in events:
            result, due = "", reached
            try:
                due = due_at(event, reached, zone, contacts.get(journey.contact_id))
            except NoDate as missing:
                result = str(missing)
            steps.append(
                Step(
                    journey_id=journey.pk,
                    event=event,
                    contact_id=journey.contact_id,
                    campaign_id=journey.campaign_id,
                    number=journey.number,
                    due_at=due,
                    # A step that cannot be timed fails at once, with the reason, and
                    # the rest of the campaign goes on.
                    state=StepState.FAILED if result else StepState.PENDING,
                    result=result,
                    done_at=reached if result else None,
                )
            )
    return steps


def _needs_contacts(events: Sequence[Event]) -> bool:
    return any(e.timing == "field" for e in events)


def enter(
    campaign: Campaign,
    contact_ids: Sequence[int],
    *,
    how: str,
    submission_id: int | None = None,
    now: datetime | None = None,
) -> Entered:
    """Put contacts into `campaign`: a new pass for each who is not in it now (and, unless
    the campaign allows restarts, has never been). Returns how many entered."""
    now = now or timezone.now()
    outcome = Entered()
    if not accepting(campaign, now):
        return outcome
    events = first_events(campaign)
    for start in range(0, len(contact_ids), CHUNK):
        if start:
            _let_others_write()
        chunk = list(dict.fromkeys(contact_ids[start : start + CHUNK]))
        with transaction.atomic():
            passes = dict(
                Journey.objects.filter(campaign=campaign, contact_id__in=chunk)
                .values("contact_id")
                .annotate(last=Max("number"))
                .values_list("contact_id", "last")
            )
            active = set(
                Journey.objects.filter(
                    campaign=campaign, contact_id__in=chunk, left_at__isnull=True
                ).values_list("contact_id", flat=True)
            )
            if campaign.allow_restart and active:
                # A pass that has no step left to run is over: its contact may enter again.
                busy = set(
                    Step.objects.filter(
                        campaign=campaign, contact_id__in=active, state=StepState.PENDING
                    ).values_list("contact_id", flat=True)
                )
                finished = active - busy
                Journey.objects.filter(
                    campaign=campaign, contact_id__in=finished, left_at__isnull=True
                ).update(left_at=now)
                active = busy
            wanted = [
                pk
                for pk in chunk
                if pk not in active and (campaign.allow_restart or pk not in passes)
            ]
            outcome.already += len(chunk) - len(wanted)
            if not wanted:
                continue
            Journey.objects.bulk_create(
                [
                    Journey(
                        campaign=campaign,
                        contact_id=pk,
                        number=passes.get(pk, 0) + 1,
                        entered_at=now,
                        how=how[:100],
                        submission_id=submission_id,
                    )
                    for pk in wanted
                ],
                ignore_conflicts=True,
            )
            # Read back: on a race, the pass another entry made is the one that counts.
            journeys = list(
                Journey.objects.filter(
                    campaign=campaign, contact_id__in=wanted, entered_at=now, left_at__isnull=True
                )
            )
            contacts = Contact.objects.in_bulk(wanted) if _needs_contacts(events) else {}
            Step.objects.bulk_create(
                _steps_for(events, journeys, now, campaign.timezone, contacts),
                ignore_conflicts=True,
            )
            outcome.entered += len(journeys)
    return outcome


def _let_others_write() -> None:
    """Between two committed batches, room for the other writers of a SQLite database.
    Inside a caller's transaction nothing was committed, so nobody could get in anyway."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        time.sleep(WRITERS_GAP)


def advance(campaign: Campaign, event: Event, finished: Sequence[Due], now: datetime) -> list[Step]:
    """The steps of the events below `event` for the finished steps, each on its branch.
    Called in the transaction that marks them done."""
    children = [c for c in event.children.all() if not c.removed]
    if not children or not finished:
        return []
    contacts = (
        Contact.objects.in_bulk([s.contact_id for s in finished])
        if _needs_contacts(children)
        else {}
    )
    made: list[Step] = []
    for branch in {s.branch for s in finished}:
        on_branch = [c for c in children if c.branch == (branch if event.branches else "")]
        journeys = [
            Journey(
                pk=s.journey_id, campaign_id=s.campaign_id, contact_id=s.contact_id, number=s.number
            )
            for s in finished
            if s.branch == branch
        ]
        made += _steps_for(on_branch, journeys, now, campaign.timezone, contacts)
    Step.objects.bulk_create(made, ignore_conflicts=True)
    return made


def leave(campaign: Campaign, contact_ids: Sequence[int], now: datetime | None = None) -> int:
    """End the contacts' current passes: their pending steps are cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        Step.objects.filter(
            campaign=campaign, contact_id__in=contact_ids, state=StepState.PENDING
        ).update(state=StepState.CANCELLED, result="Left the campaign", done_at=now)
        return Journey.objects.filter(
            campaign=campaign, contact_id__in=contact_ids, left_at__isnull=True
        ).update(left_at=now)


def remove_event(event: Event, now: datetime | None = None) -> int:
    """Remove an event and those below it from a live campaign: their pending steps are
    cancelled; what already happened stays as history."""
    now = now or timezone.now()
    below = [event]
    index = 0
    while index < len(below):
        below += list(below[index].children.filter(removed=False))
        index += 1
    ids = [e.pk for e in below]
    with transaction.atomic():
        Event.objects.filter(pk__in=ids).update(removed=True)
        return Step.objects.filter(event_id__in=ids, state=StepState.PENDING).update(
            state=StepState.CANCELLED, result="The event was removed", done_at=now
        )
