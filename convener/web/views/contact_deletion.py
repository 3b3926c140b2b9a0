"""Deleting contacts, one from its page or many from the list's selection: a
confirmation that says how many upcoming meetings will be cancelled and who will be
skipped, then the deletion (convener.scheduling.removal)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from convener.crm.models import Contact
from convener.scheduling.removal import (
    DeletionOutcome,
    DeletionPlan,
    delete_contacts,
    kept_meetings,
    plan_deletion,
)
from convener.team import access
from convener.web.contact_query import FilterProblem
from convener.web.selection import Selection

NAMES_SHOWN = 10


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _report(request: HttpRequest, outcome: DeletionOutcome) -> None:
    """What was done, as messages on the page the person lands on."""
    if outcome.deleted:
        text = f"Deleted {_plural(len(outcome.deleted), 'contact')}"
        if len(outcome.deleted) == 1:
            text = f"Deleted {outcome.deleted[0]}"
        if outcome.cancelled:
            text += (
                f" and cancelled {_plural(outcome.cancelled, 'upcoming meeting')}; "
                "the attendees are being told"
            )
        messages.success(request, text + ".")
    elif not outcome.refused:
        messages.info(request, "No contact was deleted: none of the selected contacts exists.")
    if outcome.refused:
        named = "; ".join(f"{r.name}: {r.reason}" for r in outcome.refused[:NAMES_SHOWN])
        more = len(outcome.refused) - NAMES_SHOWN
        tail = f"; and {_plural(more, 'other')}" if more > 0 else ""
        messages.warning(request, f"Not deleted ({len(outcome.refused)}): {named}{tail}")


def _confirm(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    # The confirmation opens in a dialog; reached without htmx it is a page of its own.
    partial = bool(getattr(request, "htmx", False))
    template = "web/contacts/delete_confirm.html" if partial else "web/contacts/delete_page.html"
    return render(request, template, {**context, "partial": partial})


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """One contact. Needs the permission to change it, and to cancel each of its
    upcoming meetings."""
    user = request.user
    contact = access.find(user, Contact.objects.select_related("owner"), pk, edit=True)
    contacts = Contact.objects.filter(pk=contact.pk)
    plan = plan_deletion(user, contacts)
    if plan.refused:
        raise access.NotAllowed(f"You may not delete {contact.name}: {plan.refused[0].reason}.")
    if request.method == "POST":
        _report(request, delete_contacts(user, contacts))
        return redirect("contacts")
    return _confirm(
        request,
        {
            "plan": plan,
            "contact": contact,
            "past": kept_meetings(contacts.values("pk")).count(),
            "post_url": reverse("contact_delete", args=[contact.pk]),
            "hidden": [],
            "back": reverse("contact", args=[contact.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contacts_delete(request: HttpRequest) -> HttpResponse:
    """The list's selection: those the person may not delete are named and skipped."""
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    selection = Selection.from_params(params)
    back = reverse("contacts")
    if selection.query.as_params():
        back += "?" + urlencode(selection.query.as_params())
    try:
        contacts = selection.contacts(user)
    except FilterProblem as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if request.method == "POST":
        _report(request, delete_contacts(user, contacts))
        return redirect(back)
    plan: DeletionPlan = plan_deletion(user, contacts)
    return _confirm(
        request,
        {
            "plan": plan,
            "contact": None,
            "past": kept_meetings(contacts.values("pk")).count(),
            "post_url": reverse("contacts_delete"),
            "hidden": selection.hidden_inputs(),
            "refused_shown": plan.refused[:NAMES_SHOWN],
            "refused_more": max(0, len(plan.refused) - NAMES_SHOWN),
            "back": back,
        },
    )
