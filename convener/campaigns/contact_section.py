"""The "Campaigns" section of a contact's page: the campaigns they are in, and what
happened to them at each step. Registered with web (which cannot import campaigns)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from convener.campaigns.models import Journey, Step
from convener.campaigns.permissions import visible_campaigns
from convener.web.contact_sections import register_section


def render(request: HttpRequest, contact: Any) -> SafeString:
    journeys = list(
        Journey.objects.filter(contact=contact, campaign__in=visible_campaigns(request.user))
        .select_related("campaign")
        .order_by("-entered_at")[:20]
    )
    steps = Step.objects.filter(journey__in=journeys).select_related("event").order_by("pk")
    by_journey: dict[int, list[Step]] = {}
    for step in steps:
        by_journey.setdefault(step.journey_id, []).append(step)
    rows = [(journey, by_journey.get(journey.pk, [])) for journey in journeys]
    return SafeString(
        render_to_string("campaigns/contact_section.html", {"rows": rows}, request=request)
    )


def register() -> None:
    register_section(render)
