"""The meeting page's actions: reschedule (and save, which makes a missing link again),
cancel with a confirmation, a link set by hand, and "Retry now".

With htmx each form is loaded into the meeting page and, once saved, the page reloads
with a message; without JavaScript every action has a page of its own. The changes are
made by `convener.scheduling.lifecycle`; sync carries them to the provider and the
invitations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from convener.meetings.models import Meeting, MeetingState
from convener.providers.registry import provider_class
from convener.scheduling import lifecycle
from convener.scheduling.limits import TITLE_MAX
from convener.team import access
from convener.team.models import User
from convener.timeplan.bounds import LONGEST_MEETING_MINUTES, SHORTEST_MEETING_MINUTES
from convener.web.fields import timezone_field

PARTIALS = "web/meetings/lifecycle"


class RescheduleForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    timezone = timezone_field(label="Time zone")
    duration_minutes = forms.IntegerField(
        label="Duration (minutes)",
        min_value=SHORTEST_MEETING_MINUTES,
        max_value=LONGEST_MEETING_MINUTES,
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ManualLinkForm(forms.Form):
    join_url = forms.URLField(
        label="Meeting link",
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text="Leave empty to go back to the provider's link.",
    )


# Where the service's field errors show in the forms ("start" is the date and time).
FORM_FIELDS = {"start": "date", "end": "duration_minutes"}


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    """The meeting, if the person may change it: 404 if they may not see it, 403 if
    they may see but not change it."""
    queryset = Meeting.objects.select_related("host", "connection", "action")
    return access.find(request.user, queryset, pk, edit=True)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))  # set by django-htmx's middleware


def _show(
    request: HttpRequest, name: str, meeting: Meeting, title: str, **context: Any
) -> HttpResponse:
    """The form alone for htmx (swapped into the meeting page), else a page around it."""
    context = {
        "meeting": meeting,
        "partial": f"{PARTIALS}/{name}.html",
        "heading": title,
        **context,
    }
    template = context["partial"] if _is_htmx(request) else f"{PARTIALS}/page.html"
    return render(request, template, context)


def _back(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    url = reverse("meeting", args=[meeting.pk])
    return HttpResponseClientRedirect(url) if _is_htmx(request) else redirect(url)


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        target = FORM_FIELDS.get(name, name)
        for error in errors:
            form.add_error(target if target in form.fields else None, error)


def _closed(meeting: Meeting) -> bool:
    return meeting.cancel_requested or meeting.state == MeetingState.CANCELLED


@login_required
def reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the time, zone, duration, title or description. Saving, even unchanged,
    makes the link again when the meeting has none."""
    meeting = _meeting(request, pk)
    if _closed(meeting):
        messages.error(request, "This meeting is cancelled; it cannot be rescheduled.")
        return _back(request, meeting)
    if request.method != "POST":
        local = meeting.local_start
        form = RescheduleForm(
            initial={
                "title": meeting.title,
                "date": local.date(),
                "time": local.time().replace(second=0, microsecond=0),
                "timezone": meeting.timezone,
                "duration_minutes": meeting.duration_minutes,
                "description": meeting.description,
            }
        )
        return _show(request, "reschedule_form", meeting, "Reschedule", form=form)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        changes = {
            "title": data["title"],
            "description": data["description"],
            "timezone": data["timezone"],
            "duration_minutes": data["duration_minutes"],
        }
        # The form shows minutes: a start it shows unchanged keeps its exact instant (an
        # immediate meeting's has seconds, and may be minutes past by now).
        shown = meeting.local_start.replace(second=0, microsecond=0, tzinfo=None)
        start = datetime.combine(data["date"], data["time"])
        if start != shown or data["timezone"] != meeting.timezone:
            changes["start"] = start
        if data["duration_minutes"] == meeting.duration_minutes:
            del changes["duration_minutes"]
        sequence = meeting.sequence
        try:
            lifecycle.save_meeting(meeting, changes, by=_user(request))
        except ValidationError as exc:
            _add_errors(form, exc)
        except lifecycle.MeetingBusy as exc:
            form.add_error(None, str(exc))
        else:
            if meeting.sequence != sequence:
                messages.success(request, "Saved. The invitations go out again with the change.")
            elif meeting.next_attempt_at is not None and not meeting.join_url:
                messages.success(request, "Saved. The link is being made again.")
            else:
                messages.info(request, "Nothing changed.")
            return _back(request, meeting)
    return _show(request, "reschedule_form", meeting, "Reschedule", form=form)


@login_required
def manual_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Use a link typed by hand in the invitations instead of the provider's."""
    meeting = _meeting(request, pk)
    if _closed(meeting):
        messages.error(request, "This meeting is cancelled; its link cannot change.")
        return _back(request, meeting)
    if request.method != "POST":
        form = ManualLinkForm(initial={"join_url": meeting.join_url if meeting.manual_link else ""})
        return _show(request, "manual_link_form", meeting, "Set a link by hand", form=form)
    form = ManualLinkForm(request.POST)
    if form.is_valid():
        url = form.cleaned_data["join_url"]
        try:
            lifecycle.set_manual_link(meeting, url, by=_user(request))
        except ValidationError as exc:
            _add_errors(form, exc)
        except lifecycle.MeetingBusy as exc:
            form.add_error(None, str(exc))
        else:
            if url:
                messages.success(request, "Link saved. The invitations go out again with it.")
            else:
                name = provider_class(meeting.provider).name
                messages.success(request, f"Back to the {name} link.")
            return _back(request, meeting)
    return _show(request, "manual_link_form", meeting, "Set a link by hand", form=form)


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST cancels (the provider's meeting is deleted and
    the attendees get a cancellation)."""
    meeting = _meeting(request, pk)
    if _closed(meeting):
        messages.info(request, "This meeting is already cancelled.")
        return _back(request, meeting)
    if request.method != "POST":
        return _show(request, "cancel_form", meeting, "Cancel meeting")
    try:
        lifecycle.cancel(meeting, by=_user(request))
    except lifecycle.MeetingBusy as exc:
        return _show(request, "cancel_form", meeting, "Cancel meeting", error=str(exc))
    messages.success(request, "Cancelling. The attendees are told it is cancelled.")
    return _back(request, meeting)


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Try again now, instead of at the next automatic try."""
    meeting = _meeting(request, pk)
    try:
        lifecycle.retry(meeting, by=_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except lifecycle.MeetingBusy as exc:
        messages.error(request, str(exc).capitalize() + ".")
    else:
        if meeting.next_attempt_at is None:
            messages.info(request, "There is nothing to retry.")
        else:
            messages.success(request, "Trying again now.")
    return _back(request, meeting)


urlpatterns = [
    path("meetings/<int:pk>/reschedule/", reschedule, name="meeting_reschedule"),
    path("meetings/<int:pk>/link/", manual_link, name="meeting_manual_link"),
    path("meetings/<int:pk>/cancel/", cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/retry/", retry, name="meeting_retry"),
]
