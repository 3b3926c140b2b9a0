"""The custom field pages: list, create, edit, reorder and delete the fields contacts may
carry, by an administrator, without the Django admin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from convener.crm.models import CustomField
from convener.team import access
from convener.web.custom_field_forms import CustomFieldForm
from convener.web.field_usage import holding_a_value, holding_one_of, uses


@login_required
def custom_field_list(request: HttpRequest) -> HttpResponse:
    access.require_admin(request.user)
    return render(
        request, "web/custom_fields/list.html", {"fields": list(CustomField.objects.all())}
    )


@login_required
@require_http_methods(["GET", "POST"])
def custom_field_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Edit a field, or (without pk) make one, placed last."""
    access.require_admin(request.user)
    field = get_object_or_404(CustomField, pk=pk) if pk else None
    form = CustomFieldForm(request.POST or None, instance=field)
    offered_before = list(field.choices or []) if field else []
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if field is None:
            last = CustomField.objects.aggregate(last=Max("position"))["last"]
            saved.position = (last or 0) + 1
        saved.save()
        messages.success(request, f"Saved the custom field “{saved.label}”.")
        taken_away = [c for c in offered_before if c not in (saved.choices or [])]
        if keeping := holding_one_of(saved, taken_away):
            messages.info(
                request,
                f"{keeping} contact{'s keep' if keeping != 1 else ' keeps'} a choice no longer "
                "offered: it stays on the contact, shown as “(no longer offered)”, until "
                "someone changes it.",
            )
        return redirect("custom_fields")
    return render(
        request,
        "web/custom_fields/edit.html",
        {"form": form, "field": field, "holding": holding_a_value(field) if field else 0},
    )


@login_required
@require_POST
def custom_field_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a field one place up or down the contact form."""
    access.require_admin(request.user)
    field = get_object_or_404(CustomField, pk=pk)
    with transaction.atomic():
        # Renumbered in the order shown, so fields made before there was an order (all
        # at 0) move one step as they appear.
        ordered = list(CustomField.objects.select_for_update().order_by("position", "label"))
        index = next(i for i, f in enumerate(ordered) if f.pk == field.pk)
        step = -1 if request.POST.get("direction") == "up" else 1
        if 0 <= index + step < len(ordered):
            ordered[index], ordered[index + step] = ordered[index + step], ordered[index]
        for position, each in enumerate(ordered, start=1):
            each.position = position
        CustomField.objects.bulk_update(ordered, ["position"])
    return redirect("custom_fields")


@login_required
@require_http_methods(["GET", "POST"])
def custom_field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation that says what uses the field, then the deletion. Contacts' values
    are kept in their record (a field made again with the key finds them); segments whose
    rules name it say so on their page until the rule is changed."""
    access.require_admin(request.user)
    field = get_object_or_404(CustomField, pk=pk)
    if request.method == "POST":
        label = field.label
        field.delete()
        messages.success(request, f"Deleted the custom field “{label}”.")
        return redirect("custom_fields")
    return render(
        request,
        "web/custom_fields/delete.html",
        {"field": field, "holding": holding_a_value(field), "uses": uses(field)},
    )
