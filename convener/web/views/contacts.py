"""Contacts: the list, a contact's page, create and edit, and the "Schedule meeting"
popup. Deleting and bulk scheduling have their own modules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HttpResponseClientRedirect

from convener.crm.models import Contact, CustomField
from convener.meetings.models import Meeting
from convener.meetings.triggers import TriggerKind, TriggerRef, new_occurrence
from convener.providers.registry import PROVIDERS, provider_class
from convener.scheduling.accounts import NoUsableConnection, choose_account
from convener.scheduling.hosting import HostOption, default_host, host_options
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.scheduling.removal import plan_deletion
from convener.team import access
from convener.team.models import User
from convener.web import contact_sections
from convener.web.contact_query import (
    ORDERINGS,
    ContactQuery,
    FilterProblem,
    matching,
    offered_actions,
    shown_filters,
)
from convener.web.custom_fields import facts
from convener.web.forms import ContactForm, ScheduleMeetingForm

PAGE_SIZES = (25, 50, 100)
ZONES_LISTED = 200


def _page_size(request: HttpRequest) -> int:
    size = request.GET.get("per_page", "")
    return int(size) if size.isdigit() and int(size) in PAGE_SIZES else 50


def _sort_links(query: ContactQuery) -> dict[str, str]:
    """For each sortable column, the query string that sorts by it: ascending, or
    descending when it is already ascending."""
    links = {}
    for name in ORDERINGS:
        sort = f"-{name}" if query.sort == name else name
        links[name] = urlencode({**query.as_params(sort=False), "sort": sort})
    return links


@login_required
def contact_list(request: HttpRequest) -> HttpResponse:
    """The contacts the person may see: searched, filtered, sorted and paged, with boxes
    to select some (or all that match) for a bulk action."""
    user = request.user
    query = ContactQuery.from_params(request.GET)
    problem = ""
    try:
        contacts = matching(user, query)
        # "Select all N matching" acts on those the person may change: say how many.
        editable_count = query.contacts(user, access.editable_contacts(user)).count()
    except FilterProblem as exc:
        problem, contacts, editable_count = str(exc), Contact.objects.none(), 0
    page = Paginator(query.ordered(contacts), _page_size(request)).get_page(request.GET.get("page"))
    visible = access.visible_contacts(user)
    zones = (
        visible.exclude(timezone="").order_by("timezone").values_list("timezone", flat=True)
    ).distinct()[:ZONES_LISTED]
    params = query.as_params()
    if _page_size(request) != 50:
        params["per_page"] = str(_page_size(request))
    return render(
        request,
        "web/contacts/list.html",
        {
            "page": page,
            "query": query,
            "problem": problem,
            "editable_count": editable_count,
            "page_query": urlencode(params),
            "sort_links": _sort_links(query),
            "owners": User.objects.filter(is_active=True).order_by(
                "first_name", "last_name", "username"
            ),
            "zones": list(zones),
            "custom_fields": CustomField.objects.all(),
            "registered_filters": shown_filters(query, user),
            "bulk_actions": offered_actions(query, user),
            "page_sizes": PAGE_SIZES,
            "per_page": _page_size(request),
        },
    )


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access.find(request.user, Contact.objects.select_related("owner"), pk)
    meetings = access.visible(request.user, Meeting.objects.filter(contact=contact))
    # Offered only where it will work: deleting also cancels its upcoming meetings.
    may_delete = access.can_edit(request.user, contact) and not (
        plan_deletion(request.user, Contact.objects.filter(pk=contact.pk)).refused
    )
    return render(
        request,
        "web/contacts/detail.html",
        {
            "contact": contact,
            "meetings": meetings.select_related("host")[:50],
            "custom_facts": facts(contact.fields),
            "may_delete": may_delete,
            # Sections registered from above (a contact's campaigns, ...).
            "contact_sections": contact_sections.rendered(request, contact),
        },
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


@dataclass(frozen=True)
class HostChoices:
    """A provider's host choices in the popup: its options, and the one selected."""

    provider: str
    options: list[HostOption]
    selected: str


def host_choices(contact: Contact, user: User | None, picked: str | None) -> list[HostChoices]:
    """For each provider that needs an account, the choices of who hosts: `picked` (what
    the person chose last) stays selected where it can host, else the default."""
    found = []
    for slug in PROVIDERS:
        if not provider_class(slug).capabilities.needs_connection:
            continue
        options = host_options(user, contact, slug)
        usable = {o.choice for o in options if o.usable}
        selected = picked if picked in usable else default_host(options)
        found.append(HostChoices(slug, options, selected or ""))
    return found


def _initial_zone(request: HttpRequest, contact: Contact) -> str:
    user = request.user
    return contact.timezone or (user.timezone if isinstance(user, User) else "") or "UTC"


def one_off_settings(data: dict[str, Any]) -> OneOffMeeting:
    """The popup's options (ScheduleMeetingForm.cleaned_data) as one-off settings."""
    start = None
    if data["when"] == "at":
        start = datetime.combine(data["date"], data["time"])
    return OneOffMeeting(
        title=data["title"],
        timezone=data["timezone"],
        duration_minutes=data["duration_minutes"],
        start=start,
        description=data["description"],
        external_emails=data["attendees"],
        provider=data["provider"],
        host=data.get("host"),
    )


def show_schedule_errors(form: ScheduleMeetingForm, exc: ValidationError) -> None:
    """Scheduling's errors next to the popup's fields; a start is the date's problem."""
    for name, errors in exc.message_dict.items():
        target = name if name in form.fields else None
        if name == "start":
            target = "date"
        for error in errors:
            form.add_error(target, error)


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
                "host_choices": host_choices(contact, user, None),
            },
        )
    form = ScheduleMeetingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        params = one_off_settings(data)
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
            show_schedule_errors(form, exc)
        else:
            meeting_id = (outcome.created_ids or outcome.existing_ids)[0]
            messages.success(
                request,
                "Scheduled. It waits for its account to be reconnected on the Connections "
                "page; the link is created as soon as it is."
                if outcome.waiting_ids
                else "Scheduled. The link is being created.",
            )
            return HttpResponseClientRedirect(reverse("meeting", args=[meeting_id]))
    # 200, not 422: htmx swaps only successful responses, and the form with its errors is
    # what the person needs to see.
    return render(
        request,
        "web/contacts/schedule_form.html",
        {
            "form": form,
            "contact": contact,
            "availability": provider_availability(contact, user),
            "host_choices": host_choices(contact, user, request.POST.get("host")),
        },
    )
