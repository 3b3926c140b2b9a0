"""A member's own profile: name, email, time zone, password and API tokens.

Everything here is the signed-in member's own: another member's tokens are not found
(404), administrators included, since a token acts as the member who made it.
A new token's secret is shown once, in the answer to the request that made it, and is
never stored (only its digest is), logged or shown again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from convener.team.models import ApiToken, User
from convener.web.profile_forms import ProfileForm, TokenForm, ZoneOfferForm


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required
    return user


def _tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def _page(request: HttpRequest, user: User, **context: Any) -> HttpResponse:
    context.setdefault("form", ProfileForm(instance=user))
    context.setdefault("token_form", TokenForm())
    context["tokens"] = _tokens(user)
    htmx = bool(getattr(request, "htmx", False))  # set by django-htmx's middleware
    template = "web/profile/tokens.html" if htmx else "web/profile/page.html"
    response = render(request, template, context)
    # A page that may hold a new token's secret is kept by no cache and no back button.
    add_never_cache_headers(response)
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            form.save()
            messages.success(request, "Saved your profile.")
            return redirect("profile")
        # The form changed the instance while cleaning: show the stored name in the menu.
        user.refresh_from_db()
        return _page(request, user, form=form)
    return _page(request, user)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, user, token_form=form)
    token, secret = ApiToken.issue(user, form.cleaned_data["name"])
    return _page(request, user, new_token=token, new_secret=secret)


@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _member(request)
    token = get_object_or_404(_tokens(user), pk=pk)
    if request.method == "POST":
        name = token.name
        token.delete()
        messages.success(request, f"Revoked the token “{name}”: it no longer works.")
        return redirect("profile")
    return render(request, "web/profile/revoke.html", {"token": token})


class PasswordChange(auth_views.PasswordChangeView):
    """Django's password change (it keeps the member signed in), in the product's look."""

    template_name = "web/profile/password.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Changed your password.")
        return response


@login_required
@require_POST
def zone_offer(request: HttpRequest) -> HttpResponse:
    """The answer to the banner that offers the browser's zone: either way, it is not
    offered again (the profile page changes the zone later)."""
    user = _member(request)
    form = ZoneOfferForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["choice"] == ZoneOfferForm.USE:
            user.timezone = form.cleaned_data["timezone"]
            messages.success(request, f"Times are now shown in {user.timezone}.")
        else:
            messages.info(request, f"Times stay in {user.timezone}; change it on your profile.")
        user.timezone_chosen = True
        user.save(update_fields=["timezone", "timezone_chosen"])
    else:
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"The time zone was not changed: {problems}")
    target = str(request.POST.get("next") or "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe and target.startswith("/") else "profile")
