"""Adding, editing and removing an event in place on the builder (htmx): the form opens
under the spot it belongs to, its errors show next to the fields, and a saved event
reloads the builder. Without htmx the same URLs are ordinary pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from convener.campaigns import engine, permissions
from convener.campaigns.forms import EventForm
from convener.campaigns.models import KIND_OF_TYPE, Branch, Campaign, Event, EventKind


def _done(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    url = reverse("campaign", kwargs={"pk": campaign.pk})
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _show(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    template = (
        "campaigns/event_form.html"
        if getattr(request, "htmx", False)
        else ("campaigns/event_page.html")
    )
    return render(request, template, context)


@login_required
def event_new(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = permissions.find_campaign(request.user, pk, edit=True)
    source = request.POST if request.method == "POST" else request.GET
    parent: Event | None = None
    if source.get("parent"):
        try:
            parent = Event.objects.get(pk=int(source["parent"]), campaign=campaign, removed=False)
        except (ValueError, Event.DoesNotExist) as missing:
            raise Http404("no such event") from missing
    branch = source.get("branch", "")
    if branch not in Branch.values or (parent is not None and parent.branches != bool(branch)):
        branch = Branch.YES if parent is not None and parent.branches else ""
    kind = source.get("kind", EventKind.ACTION)
    if kind not in EventKind.values:
        kind = EventKind.ACTION
    form = EventForm(
        request.POST if request.method == "POST" else None, campaign=campaign, kind=kind
    )
    if request.method == "POST" and form.is_valid():
        event = form.apply(Event(campaign=campaign, parent=parent, branch=branch))
        event.position = Event.objects.filter(campaign=campaign).count()
        event.save()
        messages.success(request, f"Added “{event}”.")
        return _done(request, campaign)
    return _show(
        request,
        {
            "campaign": campaign,
            "form": form,
            "kind": kind,
            "parent": parent,
            "branch": branch,
            "post_url": reverse("campaign_event_new", kwargs={"pk": campaign.pk}),
        },
    )


@login_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event.objects.select_related("campaign"), pk=pk, removed=False)
    campaign = permissions.find_campaign(request.user, event.campaign_id, edit=True)
    kind = KIND_OF_TYPE.get(event.type, EventKind.ACTION)
    if request.method == "POST":
        form = EventForm(request.POST, campaign=campaign, kind=kind)
        if form.is_valid():
            # Contacts already waiting keep their due times; the change applies to the
            # next ones who reach the event.
            form.apply(event).save()
            messages.success(request, f"Saved “{event}”.")
            return _done(request, campaign)
    else:
        form = EventForm(initial=EventForm.initial_of(event), campaign=campaign, kind=kind)
    return _show(
        request,
        {
            "campaign": campaign,
            "form": form,
            "kind": kind,
            "event": event,
            "post_url": reverse("campaign_event_edit", kwargs={"pk": event.pk}),
        },
    )


@login_required
@require_POST
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=pk, removed=False)
    campaign = permissions.find_campaign(request.user, event.campaign_id, edit=True)
    cancelled = engine.remove_event(event)
    note = f" {cancelled} waiting contacts will not reach it." if cancelled else ""
    messages.success(request, f"Removed “{event}” and the steps below it.{note}")
    return _done(request, campaign)
