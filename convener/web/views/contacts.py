"""Contacts: list, page, create and edit, and the "Schedule meeting" popup."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef, new_occurrence
from convener.providers.registry import PROVIDERS
from convener.scheduling.accounts import NoUsableConnection, choose_account
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team import access
from convener.team.models import User
from convener.web.forms import ContactForm, ScheduleMeetingForm


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    # PostgreSQL refuses NUL in text, even in a search: it cannot match anything anyway.
    query = request.GET.get("q", "").replace("\x00", "").strip()
    contacts = access.visible_contacts(request.user)
    if query:
        contacts = contacts.filter(
            Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(company__icontains=query)
        )
    page = Paginator(contacts, 50).get_page(request.GET.get("page"))
    return render(request, "web/contacts/list.html", {"page": page, "query": query})


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access.find(request.user, Contact.objects.select_related("owner"), pk)
    meetings = access.visible(request.user, Meeting.objects.filter(contact=contact))
    return render(
        request,
        "web/contacts/detail.html",
        {"contact": contact, "meetings": meetings.select_related("host")[:50]},
    )


@login_required
def contact_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Edit a contact, or (without pk) create one, owned by the person by default."""
    user = request.user
    if pk:
        contact = access.find(user, Contact.objects.all(), pk, edit=True)
    else:
        contact = None
        access.require_may_add_contacts(user)
    form = ContactForm(request.POST or None, instance=contact, author=user)
    if request.method == "POST" and form.is_valid():
        access.require_edit_after(user, form.instance)
        try:
            saved = form.save()
        except ValidationError as exc:
            # Another request took the address between the form's check and the save: the
            # model says so on the email field, and the form shows it there.
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved {saved.name}.")
            return redirect("contact", pk=saved.pk)
    return render(request, "web/contacts/edit.html", {"form": form, "contact": contact})


def provider_availability(contact: Contact, user: User | None) -> dict[str, str]:
    """For each provider, why no account can host a meeting with this contact ("" when one
    can): the "no integration" warning, shown before anything is scheduled."""
    problems: dict[str, str] = {}
    for slug in PROVIDERS:
        # The popup's own settings, so the warning and the scheduling agree.
        probe = OneOffMeeting(title="", timezone="UTC", provider=slug).action(user)
        try:
            choose_account(probe, contact, user)
            problems[slug] = ""
        except NoUsableConnection as exc:
            problems[slug] = str(exc)
    return problems


def _initial_zone(request: HttpRequest, contact: Contact) -> str:
    user = request.user
    return contact.timezone or (user.timezone if isinstance(user, User) else "") or "UTC"


@login_required
def schedule_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """The popup: GET renders the form into the dialog, POST schedules or shows errors.
    Scheduling for a contact needs the permission to edit it."""
    contact = access.find(request.user, Contact.objects.select_related("owner"), pk, edit=True)
    user = request.user if isinstance(request.user, User) else None
    if request.method != "POST":
        form = ScheduleMeetingForm(
            initial={
                "title": f"Meeting with {contact.name}",
                "timezone": _initial_zone(request, contact),
                "date": timezone.localdate() + timedelta(days=1),
                "time": time(10, 0),
            }
        )
        return render(
            request,
            "web/contacts/schedule_form.html",
            {
                "form": form,
                "contact": contact,
                "availability": provider_availability(contact, user),
            },
        )
    form = ScheduleMeetingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        start = None
        if data["when"] == "at":
            start = datetime.combine(data["date"], data["time"])
        params = OneOffMeeting(
            title=data["title"],
            timezone=data["timezone"],
            duration_minutes=data["duration_minutes"],
            start=start,
            description=data["description"],
            external_emails=data["attendees"],
            provider=data["provider"],
        )
        try:
            outcome = schedule_one_off(
                [contact],
                params,
                requested_by=user,
                trigger=TriggerRef(
                    TriggerKind.CONTACT, str(contact.pk), data["occurrence"] or new_occurrence()
                ),
                browser_timezone=data["browser_timezone"] or None,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                target = name if name in form.fields else None
                if name == "start":
                    target = "date"
                for error in errors:
                    form.add_error(target, error)
        else:
            meeting_id = (outcome.created_ids or outcome.existing_ids)[0]
            messages.success(request, "Scheduled. The link is being created.")
            return HttpResponseClientRedirect(reverse("meeting", args=[meeting_id]))
    # 200, not 422: htmx swaps only successful responses, and the form with its errors is
    # what the person needs to see.
    return render(
        request,
        "web/contacts/schedule_form.html",
        {"form": form, "contact": contact, "availability": provider_availability(contact, user)},
    )
