"""Reusable actions ("Schedule Online Meeting" settings): the list, an action's page, and
creating, editing and duplicating one. Every signed-in member may keep actions, as in the
API (docs/permissions.md): an action reads nobody's contacts; launching one reaches only
the contacts the person may edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from convener.crm.models import CustomField
from convener.meetings.models import MeetingAction
from convener.scheduling import placeholders
from convener.scheduling.progress import run_progress
from convener.team import access
from convener.team.models import User
from convener.web.action_form import ActionForm, initial_from
from convener.web.action_words import (
    chain_in_words,
    credentials_in_words,
    timing_in_words,
    zone_of,
)


def _author(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    actions = MeetingAction.objects.select_related("created_by").annotate(
        launches=Count("runs"), last_launch=Max("runs__created_at")
    )
    rows = [(action, timing_in_words(action)) for action in actions.order_by("name", "pk")]
    return render(request, "web/actions/list.html", {"rows": rows})


def placeholder_choices() -> list[tuple[str, str]]:
    """What the placeholder picker offers: every placeholder, custom fields included."""
    choices = [(name, text) for name, text in placeholders.PLACEHOLDERS.items()]
    for custom in CustomField.objects.order_by("label"):
        choices.append(
            (f"{placeholders.FIELD_PREFIX}{custom.key}", f"the contact's {custom.label}")
        )
    return choices


def _edit_page(
    request: HttpRequest, form: ActionForm, action: MeetingAction | None, heading: str
) -> HttpResponse:
    return render(
        request,
        "web/actions/edit.html",
        {
            "form": form,
            "action": action,
            "heading": heading,
            "placeholders": placeholder_choices(),
            "new": action is None,
        },
    )


def _save(request: HttpRequest, form: ActionForm) -> HttpResponse | None:
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            action = form.save(author=_author(request))
        messages.success(request, f"Saved “{action.name}”.")
        return redirect("action", pk=action.pk)
    return None


@login_required
def action_new(request: HttpRequest) -> HttpResponse:
    form = ActionForm(request.POST or None)
    return _save(request, form) or _edit_page(request, form, None, "New action")


@login_required
def action_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    """The form of a new action, filled in with this one's settings; nothing is saved
    until the person saves it."""
    original = get_object_or_404(MeetingAction, pk=pk)
    form = ActionForm(initial=initial_from(original, name=f"Copy of {original.name}"[:200]))
    return _edit_page(request, form, None, f"Duplicate “{original.name}”")


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(MeetingAction, pk=pk)
    form = ActionForm(request.POST or None, instance=action)
    if request.method == "POST":
        saved = _save(request, form)
        if saved is not None:
            return saved
        action.refresh_from_db()  # the page's heading keeps the saved name
    return _edit_page(request, form, action, f"Edit “{action.name}”")


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(
        MeetingAction.objects.select_related("named_user", "created_by"), pk=pk
    )
    runs = access.visible_runs(request.user).filter(action=action).order_by("-created_at")[:10]
    rows = [(run, run_progress(run)) for run in runs]
    return render(
        request,
        "web/actions/detail.html",
        {
            "action": action,
            "timing": timing_in_words(action),
            "credentials": credentials_in_words(action),
            "chain": chain_in_words(action),
            "zone": zone_of(action),
            "team": action.internal_attendees.all(),
            "runs": rows,
        },
    )
