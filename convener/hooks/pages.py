"""The administrators' webhook pages: list, create, edit, rotate the secret, disable,
delete, try a sample payload, and the log of recent deliveries."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from convener.hooks import processing
from convener.hooks.forms import MappingFormSet, TryForm, WebhookForm
from convener.hooks.models import HookDelivery, Webhook
from convener.hooks.signing import SCHEMES
from convener.hooks.tryout import try_payload
from convener.team import access

LOG_PAGE = 100


def hook_url(request: HttpRequest, webhook: Webhook) -> str:
    return request.build_absolute_uri(reverse("hook_receive", kwargs={"slug": webhook.token}))


@login_required
def hook_list(request: HttpRequest) -> HttpResponse:
    access.require_admin(request.user)
    hooks = Webhook.objects.select_related("action").order_by("name", "pk")
    return render(request, "hooks/list.html", {"hooks": hooks})


def _suggested(preset: str) -> list[dict[str, str]]:
    scheme = SCHEMES.get(preset) or SCHEMES[Webhook.Preset.GENERIC]
    return [{"path": path, "target": target} for path, target in scheme.suggested_mapping]


@login_required
@require_http_methods(["GET", "POST"])
def hook_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Edit a webhook, or (without pk) make one; a new one's address and secret are shown
    once, on the page that answers the creation."""
    access.require_admin(request.user)
    webhook = get_object_or_404(Webhook, pk=pk) if pk else None
    preset = request.GET.get("preset", Webhook.Preset.GENERIC)
    if preset not in SCHEMES:
        preset = Webhook.Preset.GENERIC
    initial_rows = webhook.mapping if webhook else _suggested(preset)
    form = WebhookForm(
        request.POST or None,
        instance=webhook,
        initial={}
        if webhook
        else {
            "preset": preset,
            "signature_header": SCHEMES[preset].header,
            "event_id_path": SCHEMES[preset].event_id_path,
        },
    )
    # On a post the rows are read as given: an unchanged suggested row still counts.
    mapping = MappingFormSet(
        request.POST or None, initial=None if request.POST else initial_rows, prefix="map"
    )
    if request.method == "POST" and form.is_valid() and mapping.is_valid():
        saved: Webhook = form.save(commit=False)
        saved.mapping = mapping.rows()  # type: ignore[attr-defined]
        given = form.cleaned_data.get("secret") or None
        with transaction.atomic():
            secret = ""
            if webhook is None:
                saved.created_by = request.user  # type: ignore[assignment]
                secret = saved.seal(secret=given)[1]
            elif given:
                saved.seal(secret=given)
            saved.save()
        if webhook is None:
            return _show_once(request, saved, secret, created=True)
        messages.success(request, f"Saved the webhook “{saved.name}”.")
        return redirect("hook", pk=saved.pk)
    return render(
        request,
        "hooks/edit.html",
        {
            "form": form,
            "mapping": mapping,
            "hook": webhook,
            "presets": Webhook.Preset.choices,
            "preset": preset,
        },
    )


def _show_once(
    request: HttpRequest, webhook: Webhook, secret: str, *, created: bool
) -> HttpResponse:
    response = render(
        request,
        "hooks/secret.html",
        {"hook": webhook, "secret": secret, "url": hook_url(request, webhook), "created": created},
    )
    response["Cache-Control"] = "no-store"  # the secret must not stay in a cache
    return response


@login_required
@require_http_methods(["GET", "POST"])
def hook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_admin(request.user)
    webhook = get_object_or_404(Webhook, pk=pk)
    if request.method == "POST":
        token = webhook.token
        _, secret = webhook.seal(token=token, secret=_fresh_secret())
        webhook.save(update_fields=["sealed", "token_hash", "updated_at"])
        return _show_once(request, webhook, secret, created=False)
    return render(request, "hooks/rotate.html", {"hook": webhook})


def _fresh_secret() -> str:
    import secrets

    return secrets.token_urlsafe(32)


@login_required
@require_POST
def hook_enable(request: HttpRequest, pk: int) -> HttpResponse:
    """Enable or disable: a disabled webhook answers 410 and runs nothing."""
    access.require_admin(request.user)
    webhook = get_object_or_404(Webhook, pk=pk)
    webhook.enabled = request.POST.get("enabled") == "on"
    webhook.save(update_fields=["enabled", "updated_at"])
    state = "enabled" if webhook.enabled else "disabled: it refuses every delivery"
    messages.success(request, f"The webhook “{webhook.name}” is {state}.")
    return redirect("hook", pk=webhook.pk)


@login_required
@require_http_methods(["GET", "POST"])
def hook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_admin(request.user)
    webhook = get_object_or_404(Webhook, pk=pk)
    if request.method == "POST":
        name = webhook.name
        webhook.delete()
        messages.success(request, f"Deleted the webhook “{name}”. The meetings it made are kept.")
        return redirect("hooks")
    return render(request, "hooks/delete.html", {"hook": webhook})


@login_required
def hook_deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    access.require_admin(request.user)
    webhook = get_object_or_404(Webhook.objects.select_related("action"), pk=pk)
    processing.recover_waiting()  # a delivery whose worker died is queued again
    deliveries = list(
        HookDelivery.objects.filter(webhook=webhook).select_related("meeting", "contact")[:LOG_PAGE]
    )
    context: dict[str, Any] = {
        "hook": webhook,
        "deliveries": deliveries,
        "url": hook_url(request, webhook),
        "try_form": TryForm(),
        "outcomes": HookDelivery.Outcome,
    }
    return render(request, "hooks/detail.html", context)


@login_required
@require_POST
def hook_try(request: HttpRequest, pk: int) -> HttpResponse:
    """What a sample payload would do, answered as a fragment of the webhook's page."""
    access.require_admin(request.user)
    webhook = get_object_or_404(Webhook.objects.select_related("action"), pk=pk)
    form = TryForm(request.POST)
    result = try_payload(webhook, form.cleaned_data["sample"]) if form.is_valid() else None
    template = "hooks/try_result.html" if request.htmx else "hooks/try_page.html"  # type: ignore[attr-defined]
    return render(request, template, {"hook": webhook, "try_form": form, "result": result})
