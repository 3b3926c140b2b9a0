"""The calendar feed: the member's page to copy, renew or revoke their private URL, and
the feed itself, read by calendar services with the secret in the URL (no session)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from convener.team.models import User
from convener.workitems import throttle
from convener.workitems.feed import build_feed
from convener.workitems.models import FeedToken


@login_required
def job_feed(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # login_required
    token = FeedToken.objects.filter(user=request.user).first()
    url = request.build_absolute_uri(reverse("job_feed_ics", args=[token.secret])) if token else ""
    return render(request, "workitems/feed.html", {"token": token, "url": url})


@login_required
@require_POST
def job_feed_change(request: HttpRequest) -> HttpResponse:
    """Make or renew the URL (the old one stops working), or revoke it."""
    assert isinstance(request.user, User)  # login_required
    if request.POST.get("action") == "revoke":
        FeedToken.objects.filter(user=request.user).delete()
        messages.success(request, "Calendar URL revoked: calendars subscribed to it get nothing.")
    else:
        FeedToken.issue(request.user)
        messages.success(request, "New calendar URL made. The previous one no longer works.")
    return redirect("job_feed")


def job_feed_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """`slug`: the feed's secret (URL-safe base64, a valid slug)."""
    if throttle.too_many(request, "job-feed"):
        response = HttpResponse("Too many requests; try again in a minute.", status=429)
        response["Retry-After"] = str(throttle.WINDOW_SECONDS)
        return response
    token = FeedToken.objects.select_related("user").filter(secret=slug).first()
    if token is None or not token.user.is_active:
        raise Http404("no such calendar")
    response = HttpResponse(
        build_feed(token.user, timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="jobs.ics"'
    return response
