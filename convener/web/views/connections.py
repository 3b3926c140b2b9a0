"""Connections pages: the list, OAuth connect and callback, organization credentials,
removal."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from convener.connections.configuration import provider_settings
from convener.connections.connect import identify
from convener.connections.hosts import host_problems, takes_default_host
from convener.connections.models import Connection
from convener.meetings.models import Meeting, MeetingState
from convener.providers.base import ProviderError
from convener.providers.oauth import (
    OAuthApp,
    authorization_url,
    exchange_code,
    new_code_verifier,
    new_state,
)
from convener.providers.recipe import OrganizationGrant, ProviderRecipe
from convener.providers.registry import UnknownProvider, recipe, recipes
from convener.scheduling.resume import connect_account
from convener.team import access
from convener.team.models import User
from convener.web.connection_forms import (
    CHECK_USER,
    ConnectionSettingsForm,
    OrganizationCredentialsForm,
)

log = logging.getLogger(__name__)
SESSION_KEY = "convener_oauth"


def _recipe(slug: str) -> ProviderRecipe:
    try:
        return recipe(slug)
    except UnknownProvider:
        raise Http404(f"no provider {slug!r}") from None


def _sign_in(slug: str) -> tuple[ProviderRecipe, OAuthApp]:
    """The provider and its OAuth app; 404 for a provider without a sign-in."""
    provider = _recipe(slug)
    app = provider.oauth_app(provider_settings())
    if app is None:
        raise Http404(f"{provider.name} has no sign-in")
    return provider, app


def _organization(slug: str) -> tuple[ProviderRecipe, OrganizationGrant]:
    """The provider and its organization grant; 404 for a provider without one."""
    provider = _recipe(slug)
    if provider.organization is None:
        raise Http404(f"{provider.name} has no organization credentials")
    return provider, provider.organization


def _not_configured(provider: ProviderRecipe) -> str:
    prefix = provider.settings_prefix
    return f"CONVENER_{prefix}_CLIENT_ID and CONVENER_{prefix}_CLIENT_SECRET"


def waiting_meetings(connections: Iterable[Connection]) -> dict[int, int]:
    """How many meetings wait for each connection to be reconnected: the number its
    reconnect will resume."""
    rows = (
        Meeting.objects.filter(
            state=MeetingState.WAITING_CONNECTION, connection__in=[c.pk for c in connections]
        )
        .values_list("connection")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {int(pk): int(count) for pk, count in rows}


def redirect_uri() -> str:
    return f"{settings.SITE_URL}{reverse('connection_callback')}"


@login_required
def connection_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    connections = access.visible_connections(user)
    waiting = waiting_meetings(connections)
    for connection in connections:
        connection.waiting_meetings = waiting.get(connection.pk, 0)  # type: ignore[attr-defined]
    providers = []
    for provider in recipes():
        app = provider.oauth_app(provider_settings())
        providers.append(
            {
                "recipe": provider,
                "needs_account": provider.capabilities.needs_connection,
                "signs_in": app is not None,
                "configured": app is not None and app.configured,
                "organization": provider.organization,
                "env": _not_configured(provider),
                "connections": [c for c in connections if c.provider == provider.slug],
            }
        )
    return render(
        request,
        "web/connections/list.html",
        {
            "providers": providers,
            "is_admin": access.is_admin(user),
            "redirect_uri": redirect_uri(),
        },
    )


@login_required
@require_POST
def connect(request: HttpRequest, slug: str) -> HttpResponse:
    provider, app = _sign_in(slug)
    level = request.POST.get("level", Connection.Level.USER)
    if level == Connection.Level.ORGANIZATION:
        access.require_admin(request.user)
    if not app.configured:
        messages.error(
            request, f"{provider.name} is not configured: set {_not_configured(provider)}."
        )
        return redirect("connections")
    state, verifier = new_state(), new_code_verifier()
    request.session[SESSION_KEY] = {
        "state": state,
        "verifier": verifier,
        "provider": slug,
        "level": level,
    }
    return redirect(
        authorization_url(app, redirect_uri=redirect_uri(), state=state, code_verifier=verifier)
    )


@login_required
def callback(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(SESSION_KEY, None)
    if not pending or request.GET.get("state") != pending.get("state"):
        return HttpResponseBadRequest(
            "This sign-in does not match the one started here (state mismatch). Start again "
            "from the Connections page."
        )
    provider, app = _sign_in(pending["provider"])
    if request.GET.get("error"):
        messages.error(request, f"{provider.name} did not connect: {request.GET['error']}.")
        return redirect("connections")
    code = request.GET.get("code", "")
    if not code:
        return HttpResponseBadRequest("The provider sent no authorization code.")
    try:
        tokens = exchange_code(
            app,
            code=code,
            redirect_uri=redirect_uri(),
            code_verifier=pending["verifier"],
            timeout=provider_settings().timeout,
        )
        identity = identify(provider, tokens, app_only=False, host_email=None)
    except ProviderError as exc:
        messages.error(request, f"{provider.name} did not connect: {exc.message}")
        return redirect("connections")
    assert isinstance(request.user, User)
    connection, resumed = connect_account(
        recipe=provider,
        level=pending["level"],
        kind=Connection.Kind.OAUTH,
        user=request.user,
        identity=identity,
        secrets={
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
        },
        expires_at=tokens.expires_at,
    )
    _report(request, provider, connection, resumed)
    return redirect("connections")


def _report(
    request: HttpRequest, provider: ProviderRecipe, connection: Connection, resumed: int
) -> None:
    text = (
        f"Connected {provider.name} account {connection.account_email or connection.account_name}."
    )
    if resumed:
        text += f" {resumed} waiting meeting{'s' if resumed != 1 else ''} resumed."
    messages.success(request, text)
    for problem in connection.problems:
        messages.warning(request, problem)


@login_required
def organization(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_admin(request.user)
    provider, grant = _organization(slug)
    form = OrganizationCredentialsForm(grant, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        credentials = dict(form.cleaned_data)
        check_user = credentials.pop(CHECK_USER)
        try:
            tokens = provider.organization_token(
                credentials, host_email=check_user, settings=provider_settings()
            )
            identity = identify(provider, tokens, app_only=grant.app_only, host_email=check_user)
        except ProviderError as exc:
            form.add_error(None, exc.message)
        else:
            assert isinstance(request.user, User)
            secrets = {**credentials}
            if grant.token_per_host:  # minted per host when a meeting needs one
                secrets["subjects"] = {}
            else:
                secrets.update(access_token=tokens.access_token, expires_at=tokens.expires_at)
            connection, resumed = connect_account(
                recipe=provider,
                level=Connection.Level.ORGANIZATION,
                kind=grant.kind,
                user=request.user,
                identity=identity,
                secrets=secrets,
            )
            # An organization credential is the organization's, not the test user's.
            changes = {"account_name": f"Organization ({identity.email})"}
            if grant.default_host and not connection.default_host_email:
                # The user just checked can host: the default host until one is chosen.
                changes["default_host_email"] = identity.email
            Connection.objects.filter(pk=connection.pk).update(**changes)
            _report(request, provider, connection, resumed)
            return redirect("connections")
    return render(
        request,
        "web/connections/organization.html",
        {"recipe": provider, "grant": grant, "form": form},
    )


@login_required
def connection_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """An organization account's settings (administrators): its default host, checked
    with the provider before it is saved."""
    access.require_admin(request.user)
    connection = access.find(request.user, Connection.objects.all(), pk, edit=True)
    if not takes_default_host(connection):
        raise Http404("this connection has no settings")
    provider = _recipe(connection.provider)
    form = ConnectionSettingsForm(
        request.POST or None, initial={"default_host_email": connection.default_host_email}
    )
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["default_host_email"]
        problems: tuple[str, ...] = ()
        try:
            problems = host_problems(connection, email) if email else ()
        except ProviderError as exc:
            form.add_error("default_host_email", exc.message)
        for problem in problems:
            form.add_error("default_host_email", problem)
        if form.is_valid():
            Connection.objects.filter(pk=connection.pk).update(default_host_email=email)
            messages.success(
                request,
                f"Saved. Meetings without a {provider.name} host are made for {email}."
                if email
                else "Saved. There is no default host.",
            )
            return redirect("connections")
    return render(
        request,
        "web/connections/settings.html",
        {"connection": connection, "recipe": provider, "form": form},
    )


@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    connection = access.find(request.user, Connection.objects.all(), pk, edit=True)
    connection.delete()  # its meetings keep their links (Meeting.connection is SET_NULL)
    messages.success(request, "Connection removed. Meetings it already made keep their links.")
    return redirect("connections")
