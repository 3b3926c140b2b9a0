"""The outbox: every invitation Convener wrote, readable, with its ICS to download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from convener.meetings.models import Delivery


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    deliveries = Delivery.objects.select_related("meeting")
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    return render(request, "web/outbox/list.html", {"page": page})


@login_required
def outbox_message(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("meeting"), pk=pk)
    return render(request, "web/outbox/message.html", {"delivery": delivery})


@login_required
def outbox_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The HTML body on its own, shown in a sandboxed frame of the message page."""
    delivery = get_object_or_404(Delivery, pk=pk)
    response = HttpResponse(delivery.html_body, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


@login_required
def outbox_ics(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    response = HttpResponse(
        delivery.ics, content_type=f"text/calendar; method={delivery.method}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="invite-{delivery.meeting_id}.ics"'
    return response
