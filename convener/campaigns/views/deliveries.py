"""The delivery log of a "send a webhook" step: its recent tries, newest first, each with
its contact, address, answer and why it failed; filtered by outcome, page by page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from convener.campaigns import permissions, webhook_log
from convener.campaigns.models import DeliveryOutcome, Event, WebhookDelivery
from convener.crm.models import Contact
from convener.team import access

PAGE_SIZE = 50


@login_required
def event_deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event.objects.select_related("campaign"), pk=pk)
    campaign = permissions.find_campaign(request.user, event.campaign_id)
    whole = permissions.may_change(request.user, campaign)
    # As on the lists behind the counts: each person sees the tries of their contacts.
    contacts = access.visible(request.user, Contact.objects.all())
    tries = WebhookDelivery.objects.filter(event=event, contact__in=contacts)
    totals = dict(
        tries.order_by().values_list("outcome").annotate(n=Count("pk")).values_list("outcome", "n")
    )
    wanted = request.GET.get("state", "")
    if wanted in DeliveryOutcome.values:
        tries = tries.filter(outcome=wanted)
    else:
        wanted = ""
    page = Paginator(tries.select_related("contact"), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.url = webhook_log.shown_url(row.url, whole=whole)
    return render(
        request,
        "campaigns/event_deliveries.html",
        {
            "campaign": campaign,
            "event": event,
            "page": page,
            "state": wanted,
            "outcomes": [(v, label, totals.get(v, 0)) for v, label in DeliveryOutcome.choices],
            "total": sum(totals.values()),
            "kept_days": webhook_log.kept_days(),
        },
    )
