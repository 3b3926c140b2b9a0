"""The list behind a count on the builder: the contacts at an event in one state, page by
page with the total, and the whole list as CSV however large the campaign."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from convener import csvstream
from convener.campaigns import permissions
from convener.campaigns.models import Event, Step, StepState
from convener.crm.models import Contact
from convener.team import access

PAGE_SIZE = 50
EXPORT_CHUNK = 2000  # rows fetched at a time while the CSV streams


def _asked(request: HttpRequest, pk: int) -> tuple[Event, StepState]:
    """The event (if its campaign is visible) and the state asked for (pending if none)."""
    event = get_object_or_404(Event.objects.select_related("campaign"), pk=pk)
    permissions.find_campaign(request.user, event.campaign_id)
    state = request.GET.get("state", StepState.PENDING)
    return event, StepState(state if state in StepState.values else StepState.PENDING)


def _steps(request: HttpRequest, event: Event) -> QuerySet[Step]:
    """The event's steps of the contacts the person may see (a campaign runs for everyone;
    its lists show each person their own share)."""
    contacts = access.visible(request.user, Contact.objects.all())
    return Step.objects.filter(event=event, contact__in=contacts)


@login_required
def event_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    event, state = _asked(request, pk)
    steps = _steps(request, event)
    totals = dict(
        steps.order_by().values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    listed = steps.filter(state=state).select_related("contact").order_by("due_at", "pk")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/event_contacts.html",
        {
            "campaign": event.campaign,
            "event": event,
            "state": state,
            "states": [(value, label, totals.get(value, 0)) for value, label in StepState.choices],
            "page": page,
        },
    )


@login_required
def event_contacts_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    event, state = _asked(request, pk)
    zone = timezone.get_current_timezone()
    rows = (
        _steps(request, event)
        .filter(state=state)
        .order_by("due_at", "pk")
        .values_list(
            "contact__email",
            "contact__first_name",
            "contact__last_name",
            "due_at",
            "done_at",
            "attempts",
            "branch",
            "result",
        )
    )

    def lines() -> Iterator[list[Any]]:
        for email, first, last, due, done, attempts, branch, result in rows.iterator(
            chunk_size=EXPORT_CHUNK
        ):
            when = [_local(moment, zone) for moment in (due, done)]
            yield [email, first, last, state.label, *when, attempts, branch, result]

    return csvstream.download(
        f"campaign-{event.campaign_id}-event-{event.pk}-{state.value}.csv",
        [
            "Email",
            "First name",
            "Last name",
            "State",
            f"Due ({zone})",
            f"Done ({zone})",
            "Tries",
            "Branch",
            "Result",
        ],
        lines(),
    )


def _local(moment: datetime | None, zone: tzinfo) -> str:
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M") if moment else ""
