"""An event: the dialog that creates and edits it (htmx, errors next to the fields),
its page with the link, and the link panel that reloads itself until the link is made
or has failed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from convener.calendar import changes, copies, links
from convener.calendar.forms import FORMAT, EventForm
from convener.calendar.models import Event
from convener.calendar.permissions import may_change, require_change
from convener.meetings.phases import settled
from convener.team.models import User


def _find(pk: int) -> Event:
    return get_object_or_404(Event, pk=pk)


def _new_initial(request: HttpRequest) -> dict[str, Any]:
    """A new event starts at the time clicked in the week view (or the next full hour),
    in the viewer's zone, for 30 minutes."""
    zone = timezone.get_current_timezone()
    start = None
    if value := request.GET.get("start", ""):
        try:
            start = datetime.strptime(value, FORMAT)
            start + timedelta(days=1)  # the end must fit in a date too
        except (ValueError, OverflowError):
            start = None
    if start is None:
        now = timezone.now().astimezone(zone)
        start = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    return {
        "start": start.strftime(FORMAT),
        "end": (start + timedelta(minutes=30)).strftime(FORMAT),
        "timezone": str(zone),
        "location_type": "google_meet",
        "members": [request.user.pk],
    }


@login_required
def event_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The event form: in the calendar's dialog (htmx) or as a page of its own."""
    event = _find(pk) if pk is not None else None
    if event is not None:
        require_change(request.user, event)
    assert isinstance(request.user, User)  # login_required
    if request.method == "POST":
        form = EventForm(request.POST, user=request.user)
        fields = form.event_fields() if form.is_valid() else None
        if fields is not None:
            event = changes.save_event(event, fields, request.user)
            messages.success(request, f"Event “{event.title}” saved.")
            target = reverse("calendar_event", args=[event.pk])
            if request.htmx:  # type: ignore[attr-defined]
                return HttpResponse(status=204, headers={"HX-Redirect": target})
            return redirect(target)
    elif event is not None:
        form = EventForm(initial=EventForm.initial_for(event), user=request.user)
    else:
        form = EventForm(initial=_new_initial(request), user=request.user)
    template = "calendar/event_form.html" if request.htmx else "calendar/event_page_form.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "event": event})


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = _find(pk)
    return render(
        request,
        "calendar/event.html",
        {"event": event, "may_change": may_change(request.user, event), **_link_context(event)},
    )


def _link_context(event: Event) -> dict[str, Any]:
    meeting = links.meeting_of(event) if event.is_video else None
    waiting = meeting is not None and not settled(meeting)
    copy = copies.copy_of(event)
    copying = copy is not None and copy.due_at is not None and not copy.problem
    return {
        "event": event,
        "meeting": meeting,
        "account": links.account_in_words(meeting) if meeting is not None else "",
        "host_calendar": copies.state_in_words(copy),
        "polling": waiting or copying,
        "provider_slug": event.location_type,
    }


@login_required
def event_link(request: HttpRequest, pk: int) -> HttpResponse:
    """The link panel alone: the event page asks for it every two seconds while the link
    is on its way. POST: make it again now (the same as saving the event)."""
    event = _find(pk)
    if request.method == "POST":
        require_change(request.user, event)
        assert isinstance(request.user, User)
        links.make_link(event, request.user)
        event.refresh_from_db()
        copies.follow(event)
    return render(
        request,
        "calendar/link_panel.html",
        {"may_change": may_change(request.user, event), **_link_context(event)},
    )


@login_required
@require_POST
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = _find(pk)
    require_change(request.user, event)
    day = event.start.astimezone(timezone.get_current_timezone()).date()
    title = event.title
    changes.delete_event(event)
    messages.success(request, f"Event “{title}” deleted; everyone on it is told it is cancelled.")
    return redirect(f"{reverse('calendar')}?date={day.isoformat()}")
