"""How contacts enter campaigns: a segment's members (swept by the worker, so members of a
dynamic segment, whose membership is never stored, enter when they start to match), a
form's submitters (on the submission, in its transaction), and the API."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from convener.campaigns import engine
from convener.campaigns.models import Campaign, Journey, Source
from convener.crm.models import Contact
from convener.hooks.events import contact_arrived
from convener.segments.membership import rules_q
from convener.segments.models import Segment, SegmentMember
from convener.webforms.events import form_submitted

log = logging.getLogger(__name__)


def segment_members(segment: Segment, now: datetime) -> QuerySet[Contact]:
    """Every member, whoever may see them: a campaign works for no signed-in person."""
    if segment.is_dynamic:
        return Contact.objects.filter(rules_q(segment.rules, segment.timezone, None, now))
    return Contact.objects.filter(
        pk__in=SegmentMember.objects.filter(segment=segment).values("contact_id")
    )


def sweep_segments(now: datetime | None = None) -> int:
    """Enter the members of each live campaign's segments who are not in it yet, and
    take out those who left a segment whose source says so. Returns how many entered."""
    now = now or timezone.now()
    entered = 0
    segment_sources = Source.objects.filter(
        kind=Source.Kind.SEGMENT, campaign__published=True, segment__isnull=False
    ).select_related("campaign", "segment")
    for source in segment_sources:
        try:
            entered += _sweep(source, now)
        except Exception:
            # A segment whose rules no longer hold (a field removed since) must not stop
            # the other campaigns: it is tried again at the next sweep.
            log.exception("campaign source %s: the segment could not be read", source.pk)
    return entered


def _sweep(source: Source, now: datetime) -> int:
    entered = 0
    campaign, segment = source.campaign, source.segment
    if segment is not None and engine.accepting(campaign, now):
        members = segment_members(segment, now)
        inside = Journey.objects.filter(campaign=campaign)
        if campaign.allow_restart:
            inside = inside.filter(left_at__isnull=True)
        newcomers = list(
            members.exclude(pk__in=inside.values("contact_id"))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if newcomers:
            entered += engine.enter(
                campaign, newcomers, how=f"segment {segment.pk}", now=now
            ).entered
        if source.remove_on_leave:
            gone = list(
                Journey.objects.filter(
                    campaign=campaign, left_at__isnull=True, how=f"segment {segment.pk}"
                )
                .exclude(contact_id__in=members.values("pk"))
                .values_list("contact_id", flat=True)
            )
            if gone:
                engine.leave(campaign, gone, now)
    return entered


def contact_submitted_form(form_id: int, contact_id: int, submission_id: int) -> int:
    """Enter the submitter into each live campaign fed by the form."""
    entered = 0
    for source in Source.objects.filter(
        kind=Source.Kind.FORM, form_id=form_id, campaign__published=True
    ).select_related("campaign"):
        entered += engine.enter(
            source.campaign, [contact_id], how=f"form {form_id}", submission_id=submission_id
        ).entered
    return entered


def contact_delivered(webhook_id: int, contact_id: int) -> int:
    """Enter the contact of an incoming webhook delivery into each live campaign fed by it."""
    entered = 0
    for source in Source.objects.filter(
        kind=Source.Kind.WEBHOOK, webhook_id=webhook_id, campaign__published=True
    ).select_related("campaign"):
        entered += engine.enter(source.campaign, [contact_id], how=f"webhook {webhook_id}").entered
    return entered


def _on_delivery(sender: Any, **kwargs: Any) -> None:
    contact_delivered(kwargs["webhook_id"], kwargs["contact_id"])


def _on_submission(sender: Any, **kwargs: Any) -> None:
    contact_submitted_form(kwargs["form_id"], kwargs["contact_id"], kwargs["submission_id"])


def add_contacts(campaign: Campaign, contact_ids: list[int], how: str = "API") -> engine.Entered:
    return engine.enter(campaign, contact_ids, how=how)


def register() -> None:
    form_submitted.connect(_on_submission, dispatch_uid="campaigns-form-source")
    contact_arrived.connect(_on_delivery, dispatch_uid="campaigns-webhook-source")
