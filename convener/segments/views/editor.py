"""Making and editing a segment: its name, kind and zone, and the rule builder with a live
count of the contacts the rules match as they change."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from convener.segments import builder, membership, permissions
from convener.segments.catalog import field_catalog
from convener.segments.editing import SegmentChange, apply_change
from convener.segments.forms import SegmentForm
from convener.segments.models import Segment
from convener.segments.rules import RulesError
from convener.team.models import User
from convener.timezones import is_iana_zone

# Tells the live count that the builder changed (it listens for this event).
RULES_CHANGED = "rules-changed"


def _own_zone(user: Any) -> str:
    zone = getattr(user, "timezone", "")
    return zone if is_iana_zone(zone) else str(settings.DEFAULT_TIMEZONE)


def _page(
    request: HttpRequest,
    segment: Segment | None,
    form: SegmentForm,
    groups: list[builder.Group],
    errors: dict[str, list[str]],
) -> HttpResponse:
    catalog = field_catalog()
    return render(
        request,
        "segments/edit.html",
        {
            "segment": segment,
            "form": form,
            "groups": builder.layout(groups, catalog, errors),
            "fields": builder.field_choices(catalog),
            "owners": builder.owners(),
            "rules_errors": errors.get("rules", []),
            "has_rule_errors": any(key.startswith("rules") for key in errors),
        },
    )


@login_required
def segment_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Edit a segment (its owner or an administrator), or, without pk, make one."""
    user = request.user
    assert isinstance(user, User)  # login_required
    segment = permissions.find_segment(user, pk, edit=True) if pk else None
    if request.method != "POST":
        form = SegmentForm(
            initial={
                "name": segment.name if segment else "",
                "kind": segment.kind if segment else Segment.Kind.DYNAMIC,
                "timezone": segment.timezone if segment else _own_zone(user),
            }
        )
        groups = builder.from_document(segment.rules if segment else None)
        return _page(request, segment, form, groups, {})

    form = SegmentForm(request.POST)
    groups = builder.read(request.POST) or [builder.Group()]
    command = request.POST.get("builder", "")
    if command:
        # A builder button (add, remove) or a new field or operator: redraw, save nothing.
        response = _page(request, segment, form, builder.edit(groups, command), {})
        # After the swap: the count must read the redrawn builder, not the one it replaces.
        response["HX-Trigger-After-Settle"] = RULES_CHANGED
        return response
    errors: dict[str, list[str]] = {}
    if form.is_valid():
        data = form.cleaned_data
        target = segment or Segment(owner=user, timezone=_own_zone(user))
        kind = target.kind if segment else data["kind"]
        change = SegmentChange(
            name=data["name"],
            kind=kind,
            rules=builder.document(groups) if kind == Segment.Kind.DYNAMIC else None,
            timezone=data["timezone"],
        )
        try:
            apply_change(target, change)
        except ValidationError as exc:
            errors = exc.message_dict
            for name in ("name", "kind", "timezone"):
                for message in errors.get(name, []):
                    form.add_error(name, message)
        else:
            target.save()
            messages.success(request, f"Saved the segment “{target.name}”.")
            return redirect("segment", pk=target.pk)
    return _page(request, segment, form, groups, errors)


@login_required
@require_POST
def count_preview(request: HttpRequest) -> HttpResponse:
    """The live count under the rule builder: how many contacts the rules as typed match
    now, among those the person may see; or what is still missing."""
    user = request.user
    if request.POST.get("kind") == Segment.Kind.STATIC:
        return HttpResponse("")
    zone = request.POST.get("timezone", "")
    zone = zone if is_iana_zone(zone) else _own_zone(user)
    document = builder.document(builder.read(request.POST) or [builder.Group()])
    try:
        count: int | None = membership.matching(document, zone, user).count()
        problems: list[str] = []
    except RulesError as exc:
        count, problems = None, [p.message for p in exc.problems]
    return render(request, "segments/count.html", {"count": count, "problems": problems})
