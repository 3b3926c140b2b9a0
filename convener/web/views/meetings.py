"""Meetings: the list with state filters, and the meeting page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from convener.meetings.models import Delivery, Meeting, MeetingState
from convener.team import access


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    meetings = access.visible(request.user, Meeting.objects.select_related("contact", "host"))
    if state in MeetingState.values:
        meetings = meetings.filter(state=state)
    page = Paginator(meetings, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/meetings/list.html",
        {"page": page, "state": state, "states": MeetingState.choices},
    )


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
