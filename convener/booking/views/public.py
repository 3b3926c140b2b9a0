"""The visitor's pages: a booking page's free times and form, the confirmation, the
calendar file, and the signed page to reschedule or cancel.

Anonymous. Times are shown in the visitor's zone: the page's static script reports the
browser's zone, and the visitor can change it with the zone picker. Every link and button
works without script and with the keyboard.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from convener.booking import availability, book, links
from convener.booking.models import Booking, BookingPage, BookingStatus
from convener.booking.views.week import query, shown_week
from convener.booking.visitor_form import VisitorForm
from convener.invitations.compose import meeting_ics, organizer_of
from convener.invitations.ics import Party
from convener.providers.registry import UnknownProvider, recipe
from convener.timezones import is_iana_zone

TAKEN = "This time has just been taken by someone else."


def _page(slug: str) -> BookingPage:
    page = BookingPage.objects.select_related("owner").filter(slug=slug, published=True).first()
    if page is None:
        raise Http404("no such booking page")
    return page


# Browsers report a few zones by their old names (Chromium's ICU says Asia/Calcutta):
# the visitor reads the name people use today.
CURRENT_NAMES = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Truk": "Pacific/Chuuk",
    "Pacific/Ponape": "Pacific/Pohnpei",
}


def _zone(request: HttpRequest, page: BookingPage) -> str:
    wanted = (request.POST.get("tz") or request.GET.get("tz") or "").strip()
    wanted = CURRENT_NAMES.get(wanted, wanted)
    return wanted if wanted and is_iana_zone(wanted) else page.timezone


def _duration(request: HttpRequest, page: BookingPage) -> int:
    text = request.POST.get("d") or request.GET.get("d") or ""
    offered = [int(d) for d in page.durations] or [30]
    return int(text) if text.isdigit() and int(text) in offered else offered[0]


def _instant(text: str) -> datetime | None:
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


def _location(page: BookingPage) -> str:
    try:
        return recipe(page.provider).name
    except UnknownProvider:
        return page.provider


def _over_rate(request: HttpRequest) -> bool:
    key = f"booking-rate:{request.META.get('REMOTE_ADDR', '')}:{timezone.now():%Y%m%d%H%M}"
    cache.add(key, 0, 90)
    try:
        return cache.incr(key) > settings.BOOKINGS_PER_MINUTE
    except ValueError:
        return False


def _render(
    request: HttpRequest,
    page: BookingPage,
    *,
    zone: str,
    duration: int,
    chosen: datetime | None = None,
    form: VisitorForm | None = None,
    notice: str = "",
    offered: list[datetime] | None = None,
    status: int = 200,
    booking: Booking | None = None,
) -> HttpResponse:
    # The confirmation form shows no week: none is computed for it.
    shown = (
        None
        if chosen and form
        else shown_week(
            request, availability.page_times(page, duration, ignore_booking=booking), zone, duration
        )
    )
    keep_week = request.GET.get("week") if shown and shown.status == 200 else None
    context = {
        "page": page,
        "host_name": page.owner.get_full_name() or page.owner.username,
        "location": _location(page),
        "zone": zone,
        "duration": duration,
        "durations": [(d, query(tz=zone, d=d, week=keep_week)) for d in page.durations],
        "shown": shown,
        "keep_week": keep_week,
        "chosen": chosen,
        "chosen_week": query(
            tz=zone, d=duration, week=chosen.astimezone(ZoneInfo(zone)).date().isoformat()
        )
        if chosen
        else "",
        "form": form,
        "notice": notice or (shown.notice if shown else ""),
        "offered": [(at, query(tz=zone, d=duration, at=at.isoformat())) for at in offered or []],
        "calendars_unreadable": bool(shown and shown.unavailable),
        "booking": booking,
        "request_key": secrets.token_hex(16),
    }
    if status == 200 and shown is not None:
        status = shown.status
    return render(request, "booking/public.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def booking_public(request: HttpRequest, slug: str) -> HttpResponse:
    page = _page(slug)
    zone, duration = _zone(request, page), _duration(request, page)
    if request.method == "POST":
        return _book(request, page, zone, duration)
    chosen = _instant(request.GET.get("at", ""))
    if chosen is not None:
        if not availability.free_at(page, chosen, duration):
            return _render(
                request,
                page,
                zone=zone,
                duration=duration,
                notice=TAKEN,
                offered=book.next_free(page, duration, chosen),
            )
        return _render(
            request, page, zone=zone, duration=duration, chosen=chosen, form=VisitorForm(page)
        )
    return _render(request, page, zone=zone, duration=duration)


def _book(request: HttpRequest, page: BookingPage, zone: str, duration: int) -> HttpResponse:
    chosen = _instant(request.POST.get("at", ""))
    form = VisitorForm(page, request.POST)
    if chosen is None:
        return _render(
            request,
            page,
            zone=zone,
            duration=duration,
            notice="Please pick a time first.",
            status=400,
        )
    if _over_rate(request):
        return _render(
            request,
            page,
            zone=zone,
            duration=duration,
            chosen=chosen,
            form=form,
            status=429,
            notice="Too many bookings were sent from your network in the last minute. Please "
            "wait a minute and confirm again; your answers are kept below.",
        )
    if not form.is_valid():
        return _render(
            request,
            page,
            zone=zone,
            duration=duration,
            chosen=chosen,
            form=form,
            notice="Please correct the answers marked below.",
        )
    key = (request.POST.get("key") or "").strip()[:64] or secrets.token_hex(16)
    visitor = book.Visitor(
        name=form.cleaned_data["name"].strip(),
        email=form.cleaned_data["email"].strip(),
        timezone=zone,
        answers=form.answers(),
    )
    try:
        booking = book.book(page, chosen.astimezone(ZoneInfo("UTC")), duration, visitor, key)
    except book.SlotTaken:
        return _render(
            request,
            page,
            zone=zone,
            duration=duration,
            notice=TAKEN + " Here are the next free times:",
            offered=book.next_free(page, duration, chosen),
            status=409,
        )
    if booking.email.lower() != visitor.email.lower():
        raise Http404("no such booking")  # a key sent twice by two people: never show another's
    token = links.manage_token(str(booking.reference))
    return HttpResponseRedirect(reverse("booking_done", kwargs={"slug": token}), status=303)


def _booking(token: str) -> Booking:
    reference = links.read_manage_token(token)
    booking = (
        Booking.objects.select_related("page", "page__owner", "meeting", "host")
        .filter(reference=reference)
        .first()
        if reference
        else None
    )
    if booking is None:
        raise Http404("no such booking")
    return booking


@never_cache
def booking_done(request: HttpRequest, slug: str) -> HttpResponse:
    token = slug
    booking = _booking(token)
    return render(request, "booking/done.html", _booked(booking, token))


def _booked(booking: Booking, token: str) -> dict[str, Any]:
    zone = ZoneInfo(booking.visitor_timezone)
    return {
        "booking": booking,
        "page": booking.page,
        # Wall times in the visitor's zone, naive so no template filter moves them to
        # the server's zone.
        "local_start": booking.start.astimezone(zone).replace(tzinfo=None),
        "local_end": booking.end.astimezone(zone).replace(tzinfo=None),
        "zone": booking.visitor_timezone,
        "location": _location(booking.page),
        "token": token,
        "host_name": (booking.host.get_full_name() or booking.host.username)
        if booking.host
        else "",
    }


@never_cache
def booking_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """The booking as a calendar file, the same event (UID, time) as the invitation."""
    booking = _booking(slug)
    meeting = booking.meeting
    if meeting is None:
        raise Http404("this booking has no meeting yet")
    cancelled = booking.status == BookingStatus.CANCELLED
    ics = meeting_ics(
        meeting,
        method="CANCEL" if cancelled else "REQUEST",
        organizer=organizer_of(meeting),
        attendees=(Party(booking.email, booking.name),),
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="booking.ics"'
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def booking_manage(request: HttpRequest, slug: str) -> HttpResponse:
    token = slug
    """Reschedule or cancel, by the signed link of the confirmation and the invitation."""
    booking = _booking(token)
    page = booking.page
    duration = int((booking.end - booking.start).total_seconds() // 60)
    zone = (
        _zone(request, page)
        if (request.GET.get("tz") or request.POST.get("tz"))
        else booking.visitor_timezone
    )
    context = _booked(booking, token)
    if request.method == "POST" and booking.live:
        if request.POST.get("do") == "cancel":
            book.cancel(booking)
            context["notice"] = "Your booking is cancelled. Everyone invited has been told."
            return render(request, "booking/manage.html", context)
        chosen = _instant(request.POST.get("at", ""))
        if chosen is not None:
            try:
                book.reschedule(booking, chosen.astimezone(ZoneInfo("UTC")))
            except book.SlotTaken:
                context["notice"] = TAKEN + " Please pick another time."
            else:
                return HttpResponseRedirect(
                    reverse("booking_done", kwargs={"slug": token}), status=303
                )
    status = 200
    if booking.live:
        times = availability.page_times(page, duration, ignore_booking=booking)
        shown = shown_week(request, times, zone)
        context.update(shown=shown, pick_zone=zone, calendars_unreadable=bool(shown.unavailable))
        context.setdefault("notice", shown.notice)
        status = shown.status
    return render(request, "booking/manage.html", context, status=status)
