"""The list of segments, a segment's page with its members, its count, and deleting it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from convener.segments import membership, permissions, rules
from convener.segments.models import Segment

PAGE_SIZE = 50


@dataclass
class Described:
    """A segment's rules in words (a list of AND-groups), or why they no longer hold."""

    groups: list[list[str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def describe(segment: Segment) -> Described:
    if not segment.is_dynamic:
        return Described()
    try:
        parsed = rules.parse(segment.rules)
    except rules.RulesError as exc:
        return Described(problems=[p.message for p in exc.problems])
    return Described(groups=[[c.phrase() for c in group] for group in parsed.groups])


@login_required
def segment_list(request: HttpRequest) -> HttpResponse:
    segments = permissions.visible_segments(request.user).order_by("name", "pk")
    page = Paginator(segments, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(segment, describe(segment)) for segment in page.object_list]
    return render(request, "segments/list.html", {"page": page, "rows": rows})


@login_required
def segment_count(request: HttpRequest, pk: int) -> HttpResponse:
    """A segment's member count alone: the list loads each one after the page, so that a
    long list of segments opens at once."""
    segment = permissions.find_segment(request.user, pk)
    try:
        count: int | None = membership.members(segment, request.user).count()
        problem = ""
    except rules.RulesError as exc:
        count, problem = None, exc.problems[0].message
    return render(request, "segments/member_count.html", {"count": count, "problem": problem})


@login_required
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    segment = permissions.find_segment(user, pk)
    described = describe(segment)
    page = None
    if not described.problems:
        contacts = membership.listed(segment, user)
        page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "segments/detail.html",
        {
            "segment": segment,
            "described": described,
            "page": page,
            "may_change": permissions.may_change(user, segment),
        },
    )


@login_required
@require_POST
def segment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    segment = permissions.find_segment(request.user, pk, edit=True)
    name = segment.name
    segment.delete()
    messages.success(request, f"Deleted the segment “{name}”. Its contacts and meetings stay.")
    return redirect("segments")
