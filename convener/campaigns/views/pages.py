"""The campaign pages: the list, a campaign's settings and sources, and the builder."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from convener.campaigns import permissions, tree
from convener.campaigns.forms import CampaignForm, SourceForm
from convener.campaigns.models import Campaign, Source
from convener.hooks.models import Webhook
from convener.segments.permissions import visible_segments
from convener.team import access
from convener.webforms.permissions import visible_forms

# How often, in seconds, the builder's script asks for the counts while the tab is shown.
COUNTS_EVERY = 3


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = permissions.visible_campaigns(request.user).annotate(
        people=Count("journeys", filter=Q(journeys__left_at__isnull=True), distinct=True)
    )
    rows = [(c, permissions.may_change(request.user, c)) for c in campaigns]
    return render(request, "campaigns/list.html", {"rows": rows})


@login_required
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    campaign = permissions.find_campaign(request.user, pk, edit=True) if pk else None
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        saved: Campaign = form.save(commit=False)
        if campaign is None:
            saved.owner = request.user  # type: ignore[assignment]
        saved.save()
        messages.success(request, f"Saved the campaign “{saved.name}”.")
        return redirect("campaign", pk=saved.pk)
    return render(request, "campaigns/edit.html", {"campaign": campaign, "form": form})


def _source_form(request: HttpRequest, data: object = None) -> SourceForm:
    form = SourceForm(data)  # type: ignore[arg-type]
    form.fields["segment"].queryset = visible_segments(request.user)  # type: ignore[attr-defined]
    form.fields["form"].queryset = visible_forms(request.user)  # type: ignore[attr-defined]
    # Incoming webhooks are set up by administrators, and only they see them.
    hooks = Webhook.objects.all() if access.is_admin(request.user) else Webhook.objects.none()
    form.fields["webhook"].queryset = hooks  # type: ignore[attr-defined]
    return form


def _builder(
    request: HttpRequest, campaign: Campaign, source_form: SourceForm, *, may_change: bool
) -> HttpResponse:
    return render(
        request,
        "campaigns/builder.html",
        {
            "campaign": campaign,
            "may_change": may_change,
            "root": tree.build(campaign),
            "sources": campaign.sources.select_related("segment", "form"),
            "source_form": source_form,
            "counts_every": COUNTS_EVERY,
        },
    )


@login_required
def campaign_builder(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = permissions.find_campaign(request.user, pk)
    may_change = permissions.may_change(request.user, campaign)
    return _builder(request, campaign, _source_form(request), may_change=may_change)


@login_required
@require_POST
def campaign_delete(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = permissions.find_campaign(request.user, pk, edit=True)
    name = campaign.name
    campaign.delete()
    messages.success(request, f"Deleted the campaign “{name}”.")
    return redirect("campaigns")


@login_required
@require_POST
def source_new(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = permissions.find_campaign(request.user, pk, edit=True)
    form = _source_form(request, request.POST)
    if form.is_valid():
        source: Source = form.save(commit=False)
        source.campaign = campaign
        source.save()
        messages.success(request, f"Contacts now enter from {source}.")
        return redirect("campaign", pk=campaign.pk)
    return _builder(request, campaign, form, may_change=True)


@login_required
@require_POST
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(Source, pk=pk)
    campaign = permissions.find_campaign(request.user, source.campaign_id, edit=True)
    source.delete()
    messages.success(request, "Removed the source; contacts already in the campaign stay.")
    return redirect("campaign", pk=campaign.pk)
