"""The contacts list's selection put into a static segment ("Add to segment…") or taken
out of the one the list is filtered by ("Remove from segment"), in set-based SQL
(membership.add_selected, remove_selected) whatever the size of the selection."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from convener.crm.models import Contact
from convener.segments import membership, permissions
from convener.segments.forms import AddToSegmentForm
from convener.segments.models import Segment
from convener.team import access
from convener.team.models import User
from convener.timezones import is_iana_zone
from convener.web.contact_query import FilterProblem
from convener.web.selection import Selection


def changeable_static_segments(user: Any) -> QuerySet[Segment]:
    segments = permissions.visible_segments(user).filter(kind=Segment.Kind.STATIC)
    if not access.is_admin(user):
        segments = segments.filter(owner=user.pk)
    return segments.order_by("name", "pk")


def _own_zone(user: Any) -> str:
    zone = getattr(user, "timezone", "")
    return zone if is_iana_zone(zone) else str(settings.DEFAULT_TIMEZONE)


def _back(selection: Selection) -> str:
    back = reverse("contacts")
    if selection.query.as_params():
        back += "?" + urlencode(selection.query.as_params())
    return back


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    # In the list's dialog with htmx; a page of its own without it.
    partial = bool(getattr(request, "htmx", False))
    return render(
        request,
        template,
        {**context, "partial": partial, "base": "segments/dialog.html" if partial else ""},
    )


@login_required
@require_http_methods(["GET", "POST"])
def add_to_segment(request: HttpRequest) -> HttpResponse:
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    selection = Selection.from_params(params)
    segments = changeable_static_segments(user)
    form = AddToSegmentForm(request.POST if request.method == "POST" else None, segments=segments)
    context: dict[str, Any] = {
        "form": form,
        "hidden": selection.hidden_inputs(),
        "back": _back(selection),
    }
    try:
        contacts = selection.contacts(user)
        context["count"] = contacts.count()
    except FilterProblem as exc:
        context.update(problem=str(exc), count=0)
        return _render(request, "segments/add_contacts.html", context)
    if request.method == "POST" and form.is_valid():
        if not context["count"]:
            form.add_error(None, "None of the selected contacts is one you may see.")
        else:
            with transaction.atomic():
                segment = form.cleaned_data["into"] or Segment.objects.create(
                    name=form.cleaned_data["new_name"],
                    kind=Segment.Kind.STATIC,
                    owner=user if isinstance(user, User) else None,
                    timezone=_own_zone(user),
                )
                added = membership.add_selected(segment, contacts, user)
            members = membership.members(segment, user).count()
            return _render(
                request,
                "segments/contacts_added.html",
                {**context, "segment": segment, "outcome": added, "members": members},
            )
    return _render(request, "segments/add_contacts.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def remove_from_segment(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    segment = permissions.find_segment(user, pk, edit=True)
    if segment.is_dynamic:
        raise access.NotAllowed(
            f"“{segment.name}” is dynamic: its members are the contacts its rules match."
        )
    params = request.POST if request.method == "POST" else request.GET
    selection = Selection.from_params(params)
    context: dict[str, Any] = {
        "segment": segment,
        "hidden": selection.hidden_inputs(),
        "back": _back(selection),
    }
    try:
        contacts: QuerySet[Contact] = selection.contacts(user)
    except FilterProblem as exc:
        context.update(problem=str(exc), count=0)
        return _render(request, "segments/remove_contacts.html", context)
    in_segment = membership.members(segment, user).filter(pk__in=contacts.values("pk"))
    if request.method == "POST":
        removed = membership.remove_selected(segment, in_segment)
        members = membership.members(segment, user).count()
        context.update(removed=removed, members=members, done=True)
    else:
        context["count"] = in_segment.count()
    return _render(request, "segments/remove_contacts.html", context)
