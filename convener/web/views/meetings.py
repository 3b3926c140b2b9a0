"""Meetings: the list (upcoming, past or all; searched, filtered, sorted and paged), and
the meeting page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from convener.meetings.models import Delivery, Meeting
from convener.meetings.phases import PHASES
from convener.meetings.triggers import TriggerKind
from convener.providers.registry import PROVIDERS
from convener.team import access
from convener.team.models import User
from convener.web.meeting_query import VIEWS, FilterProblem, MeetingQuery, matching

PAGE_SIZES = (25, 50, 100)
RUNS_LISTED = 30


def _page_size(request: HttpRequest) -> int:
    size = request.GET.get("per_page", "")
    return int(size) if size.isdigit() and int(size) in PAGE_SIZES else 50


def _choices(request: HttpRequest, query: MeetingQuery) -> dict[str, Any]:
    """The options of the filters, each limited to what the person may see."""
    user = request.user
    runs = list(access.visible_runs(user)[:RUNS_LISTED])
    if query.run.isdigit() and all(str(run.pk) != query.run for run in runs):
        runs += list(access.visible_runs(user).filter(pk=int(query.run)))
    return {
        "phases": PHASES,
        "providers": sorted(PROVIDERS),
        "hosts": User.objects.filter(is_active=True).order_by(
            "first_name", "last_name", "username"
        ),
        "accounts": access.visible_connections(user).order_by("provider", "account_email"),
        "triggers": TriggerKind.choices,
        "runs": runs,
    }


def _view_links(query: MeetingQuery, per_page: int) -> list[tuple[str, str, str]]:
    """(view, label, query string) for each view, keeping the filters; each view in its
    own order."""
    links = []
    for view, label in VIEWS.items():
        params = {**query.as_params(sort=False, view=False), "view": view}
        if view == "upcoming":
            del params["view"]
        if per_page != 50:
            params["per_page"] = str(per_page)
        links.append((view, label, urlencode(params)))
    return links


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The meetings the person may see. While a meeting on the page is still changing
    (being created, being cancelled, ...) the rows reload themselves: htmx asks this
    same address and gets only the rows back."""
    query = MeetingQuery.from_params(request.GET)
    problem = ""
    try:
        meetings = matching(request.user, query)
    except FilterProblem as exc:
        problem, meetings = str(exc), Meeting.objects.none()
    per_page = _page_size(request)
    page = Paginator(meetings, per_page).get_page(request.GET.get("page"))
    params = query.as_params()
    if per_page != 50:
        params["per_page"] = str(per_page)
    flipped = "-start" if query.order == "start" else "start"
    context: dict[str, Any] = {
        "page": page,
        "query": query,
        "problem": problem,
        "page_query": urlencode(params),
        # This very page, for the rows to reload themselves.
        "rows_query": urlencode({**params, "page": page.number}),
        "sort_link": urlencode({**query.as_params(sort=False), "sort": flipped}),
        "page_sizes": PAGE_SIZES,
        "per_page": per_page,
    }
    if getattr(request, "htmx", False):  # set by django-htmx's middleware
        return render(request, "web/meetings/rows.html", context)
    context["views"] = _view_links(query, per_page)
    context.update(_choices(request, query))
    return render(request, "web/meetings/list.html", context)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.find(
        request.user,
        Meeting.objects.select_related("contact", "host", "connection", "action"),
        pk,
    )
    deliveries = list(meeting.deliveries.all())
    context = {
        "meeting": meeting,
        # Whose account hosts it is the connection's detail, not the meeting's.
        "connection_shown": access.can_view(request.user, meeting.connection),
        "attendees": meeting.attendees.all(),
        "attempts": meeting.attempt_log.all()[:20],
        "deliveries": deliveries,
        "undelivered": [d for d in deliveries if d.status == Delivery.Status.UNDELIVERABLE],
    }
    partial = bool(getattr(request, "htmx", False))  # set by django-htmx's middleware
    template = "web/meetings/status.html" if partial else "web/meetings/detail.html"
    return render(request, template, context)
