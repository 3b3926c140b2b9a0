"""The Virtual meetings configuration page (administrators): the provider tab (choose,
authorize at organization level, see the account, remove) and the automation tab
(enable with its options, disable)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from convener.connections.models import Connection
from convener.providers.registry import PROVIDERS, provider_class
from convener.team import access
from convener.team.models import User
from convener.workitems import automation
from convener.workitems.forms import AutomationForm, ProviderForm
from convener.workitems.models import MeetingAutomation


def _organization_account(slug: str) -> Connection | None:
    if not slug:
        return None
    return (
        Connection.objects.filter(provider=slug, level=Connection.Level.ORGANIZATION)
        .order_by("created_at", "pk")
        .first()
    )


def _page(request: HttpRequest, **extra: Any) -> HttpResponse:
    settings = MeetingAutomation.current()
    slug = settings.provider if settings.provider in PROVIDERS else ""
    tab = request.GET.get("tab", "")
    tab = tab if tab in {"automation", "webhook"} else "provider"
    context = {
        "settings": settings,
        "tab": extra.pop("tab", tab),
        "provider_name": provider_class(slug).name if slug else "",
        "needs_account": bool(slug) and provider_class(slug).capabilities.needs_connection,
        "account": _organization_account(slug),
        "passcodes": bool(slug) and provider_class(slug).capabilities.passcode,
        "provider_form": ProviderForm(initial={"provider": slug or "jitsi"}),
        "automation_form": AutomationForm(instance=settings),
        "no_provider": automation.provider_missing(settings),
        "automation_off": False,  # this page says it in its own tab
        "confirm_remove": request.GET.get("remove") == "1",
        "webhook_url": request.build_absolute_uri(
            reverse("job_status_hook", args=[settings.webhook_key])
        )
        if settings.webhook_key
        else "",
    }
    context.update(extra)
    return render(request, "workitems/configuration.html", context)


@login_required
def meeting_configuration(request: HttpRequest) -> HttpResponse:
    access.require_admin(request.user)
    return _page(request)


@login_required
@require_POST
def choose_provider(request: HttpRequest) -> HttpResponse:
    """Choose the provider. One that needs an account is then authorized at its
    sign-in page, for the organization (the Connections page's organization flow)."""
    access.require_admin(request.user)
    form = ProviderForm(request.POST)
    if not form.is_valid():
        return _page(request, provider_form=form, tab="provider")
    settings = MeetingAutomation.current()
    settings.provider = form.cleaned_data["provider"]
    settings.authorized_by = request.user if isinstance(request.user, User) else None
    settings.save()
    name = provider_class(settings.provider).name
    if provider_class(settings.provider).capabilities.needs_connection and not (
        _organization_account(settings.provider)
    ):
        messages.info(request, f"{name} chosen: press Authorize provider to sign in to it.")
    else:
        messages.success(request, f"{name} is the provider of the jobs' meetings.")
    return redirect("meeting_configuration")


@login_required
@require_POST
def remove_provider(request: HttpRequest) -> HttpResponse:
    """Remove the provider: no new meetings; those made keep their links. Asks first."""
    access.require_admin(request.user)
    if request.POST.get("confirm") != "yes":
        return _page(request, confirm_remove=True, tab="provider")
    settings = MeetingAutomation.current()
    settings.provider = ""
    settings.save()
    messages.success(
        request, "Provider removed. Meetings already made keep their links; no new ones are made."
    )
    return redirect("meeting_configuration")


@login_required
@require_POST
def save_automation(request: HttpRequest) -> HttpResponse:
    """Enable (with the options), save the options, or disable. Disabling keeps the
    options; enabling again asks to confirm them."""
    access.require_admin(request.user)
    settings = MeetingAutomation.current()
    if request.POST.get("enabled") == "off":
        settings.enabled = False
        settings.save()
        messages.success(request, "Automation disabled. Your settings are kept.")
        return redirect(f"{_url()}?tab=automation")
    data = request.POST.copy()
    # The password field is shown only for providers with passcodes: kept when absent.
    data.setdefault("passcode", settings.passcode)
    form = AutomationForm(data, instance=settings)
    enabling = request.POST.get("enabled") == "on" and not settings.enabled
    if form.is_valid() and enabling and not form.cleaned_data.get("confirm"):
        form.add_error("confirm", "Confirm the settings above to enable the automation.")
    if form.is_valid() and enabling and automation.provider_missing(settings):
        form.add_error(None, "Choose and authorize a provider first (Meetings provider tab).")
    if not form.is_valid():
        return _page(request, automation_form=form, tab="automation")
    saved = form.save(commit=False)
    if enabling:
        saved.enabled = True
    saved.save()
    messages.success(request, "Automation enabled." if enabling else "Automation settings saved.")
    return redirect(f"{_url()}?tab=automation")


@login_required
@require_POST
def renew_webhook(request: HttpRequest) -> HttpResponse:
    """A new address and secret for the incoming status webhook (the old stop working)."""
    access.require_admin(request.user)
    MeetingAutomation.current().renew_webhook()
    messages.success(request, "New webhook address and secret made; the old ones no longer work.")
    return redirect(f"{_url()}?tab=webhook")


def _url() -> str:
    return reverse("meeting_configuration")
