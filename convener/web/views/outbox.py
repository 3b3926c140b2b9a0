"""The outbox: every invitation Convener wrote, readable, with its ICS to download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from convener.meetings.models import Delivery
from convener.team import access


def _delivery(request: HttpRequest, pk: int) -> Delivery:
    """An invitation of a meeting the person may see (else 404)."""
    return access.find(request.user, Delivery.objects.select_related("meeting"), pk)


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """The invitations of the meetings the person may see."""
    deliveries = access.visible_deliveries(request.user)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    return render(request, "web/outbox/list.html", {"page": page})


@login_required
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery(request, pk)
    return render(request, "web/outbox/message.html", {"delivery": delivery})


@login_required
def outbox_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML body on its own, shown in a sandboxed frame of the message page."""
    delivery = _delivery(request, pk)
    response = HttpResponse(delivery.html_body, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@login_required
def outbox_ics(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = _delivery(request, pk)
    response = HttpResponse(
        delivery.ics, content_type=f"text/calendar; method={delivery.method}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="invite-{delivery.meeting_id}.ics"'
    return response
