"""The host's pages: their booking pages, a page's settings (with the link to share and
whether each host's calendar can be read) and its bookings."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from convener.booking import availability, book, permissions
from convener.booking.models import Booking, BookingPage
from convener.booking.settings_form import BookingPageForm, initial_of
from convener.providers.registry import UnknownProvider, recipe


def public_url(page: BookingPage) -> str:
    return settings.SITE_URL + reverse("booking_public", kwargs={"slug": page.slug})


@login_required
def page_list(request: HttpRequest) -> HttpResponse:
    pages = permissions.visible_pages(request.user).order_by("title", "pk")
    rows = [(page, public_url(page), permissions.may_change(request.user, page)) for page in pages]
    return render(request, "booking/list.html", {"rows": rows})


def _location_warning(page: BookingPage) -> str:
    """Said on the settings page when bookings would get no link: the provider needs an
    account and a host has none."""
    try:
        found = recipe(page.provider)
    except UnknownProvider:
        return "This location's provider is no longer installed: choose another."
    if not found.capabilities.needs_connection:
        return ""
    from convener.connections.models import Connection

    missing = [
        host.get_full_name() or host.username
        for host in availability.page_hosts(page)
        if not Connection.objects.filter(provider=page.provider, status=Connection.Status.ACTIVE)
        .filter(user=host)
        .exists()
    ]
    if not missing:
        return ""
    return (
        f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no working "
        f"{found.name} account: their bookings are kept but get no link until they connect "
        "one on the Connections page."
    )


@login_required
def page_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    page = permissions.find_page(request.user, pk, edit=True) if pk else None
    initial = (
        initial_of(page)
        if page
        else {
            "timezone": getattr(request.user, "timezone", "") or settings.TIME_ZONE,
            "published": True,
        }
    )
    form = BookingPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        target = page or BookingPage(owner=request.user)  # type: ignore[misc]
        saved = form.save(target)
        messages.success(request, f"Saved the booking page “{saved.title}”.")
        return redirect("booking_page_edit", pk=saved.pk)
    context: dict[str, object] = {"form": form, "page": page}
    if page is not None:
        context["public_url"] = public_url(page)
        context["location_warning"] = _location_warning(page)
        # Whose calendar cannot be read now, in words: their times show as not free.
        duration = page.durations[0] if page.durations else 30
        context["unavailable"] = availability.free_times(page, duration).unavailable
    return render(request, "booking/edit.html", context)


@login_required
@require_POST
def page_delete(request: HttpRequest, pk: int) -> HttpResponse:
    page = permissions.find_page(request.user, pk, edit=True)
    title = page.title
    page.delete()  # its bookings go with it; their meetings stay, as every meeting does
    messages.success(request, f"Deleted the booking page “{title}”.")
    return redirect("booking_pages")


@login_required
def page_bookings(request: HttpRequest, pk: int) -> HttpResponse:
    page = permissions.find_page(request.user, pk)
    bookings = Booking.objects.filter(page=page).select_related("host", "meeting", "contact")
    now = timezone.now()
    upcoming = [b for b in bookings if b.end >= now][::-1]
    past = [b for b in bookings if b.end < now][:100]
    return render(
        request,
        "booking/bookings.html",
        {
            "page": page,
            "upcoming": upcoming,
            "past": past,
            "may_change": permissions.may_change(request.user, page),
        },
    )


@login_required
@require_POST
def booking_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the meeting of a booking that got none (the host has connected an account)."""
    booking = Booking.objects.select_related("page").filter(pk=pk).first()
    page = permissions.find_page(request.user, booking.page_id if booking else None, edit=True)
    assert booking is not None
    book.make_meeting_again(booking)
    if booking.problem:
        messages.error(request, f"Still no meeting: {booking.problem}")
    else:
        messages.success(request, f"The meeting of {booking.name}'s booking is being made.")
    return redirect("booking_page_bookings", pk=page.pk)
