"""Connections pages: the list, OAuth connect and callback, organization credentials,
removal."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from convener.connections.adapters import ADAPTERS, Adapter
from convener.connections.connect import identify, save_connection
from convener.connections.forms import OrganizationCredentialsForm
from convener.connections.models import Connection
from convener.providers.base import ProviderError
from convener.providers.oauth import (
    authorization_url,
    exchange_code,
    new_code_verifier,
    new_state,
)
from convener.team import access
from convener.team.models import User

log = logging.getLogger(__name__)
SESSION_KEY = "convener_oauth"


def _adapter(slug: str) -> Adapter:
    adapter = ADAPTERS.get(slug)
    if adapter is None:
        raise Http404(f"no provider {slug!r}")
    return adapter


def redirect_uri() -> str:
    return f"{settings.SITE_URL}{reverse('connection_callback')}"


@login_required
def connection_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    connections = access.visible_connections(user)
    providers = [
        {
            "adapter": adapter,
            "configured": adapter.configured,
            "env": f"CONVENER_{adapter.settings_prefix}_CLIENT_ID and "
            f"CONVENER_{adapter.settings_prefix}_CLIENT_SECRET",
            "connections": [c for c in connections if c.provider == adapter.slug],
        }
        for adapter in ADAPTERS.values()
    ]
    return render(
        request,
        "connections/list.html",
        {
            "providers": providers,
            "is_admin": access.is_admin(user),
            "redirect_uri": redirect_uri(),
        },
    )


@login_required
@require_POST
def connect(request: HttpRequest, slug: str) -> HttpResponse:
    adapter = _adapter(slug)
    level = request.POST.get("level", Connection.Level.USER)
    if level == Connection.Level.ORGANIZATION:
        access.require_admin(request.user)
    app = adapter.oauth_app()
    if not app.configured:
        messages.error(
            request,
            f"{adapter.name} is not configured: set CONVENER_{adapter.settings_prefix}_CLIENT_ID "
            f"and CONVENER_{adapter.settings_prefix}_CLIENT_SECRET.",
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
    adapter = _adapter(pending["provider"])
    if request.GET.get("error"):
        messages.error(request, f"{adapter.name} did not connect: {request.GET['error']}.")
        return redirect("connections")
    code = request.GET.get("code", "")
    if not code:
        return HttpResponseBadRequest("The provider sent no authorization code.")
    try:
        tokens = exchange_code(
            adapter.oauth_app(),
            code=code,
            redirect_uri=redirect_uri(),
            code_verifier=pending["verifier"],
        )
        identity = identify(adapter, tokens, app_only=False, host_email=None)
    except ProviderError as exc:
        messages.error(request, f"{adapter.name} did not connect: {exc.message}")
        return redirect("connections")
    assert isinstance(request.user, User)
    connection, resumed = save_connection(
        adapter=adapter,
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
    _report(request, adapter, connection, resumed)
    return redirect("connections")


def _report(request: HttpRequest, adapter: Adapter, connection: Connection, resumed: int) -> None:
    text = (
        f"Connected {adapter.name} account {connection.account_email or connection.account_name}."
    )
    if resumed:
        text += f" {resumed} waiting meeting{'s' if resumed != 1 else ''} resumed."
    messages.success(request, text)
    for problem in connection.problems:
        messages.warning(request, problem)


@login_required
def organization(request: HttpRequest, slug: str) -> HttpResponse:
    access.require_admin(request.user)
    adapter = _adapter(slug)
    form = OrganizationCredentialsForm(adapter, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        test_user = data.pop("test_user", None)
        try:
            tokens = adapter.org_token(data, test_user)
            identity = identify(
                adapter, tokens, app_only=bool(adapter.app_only_kinds), host_email=test_user
            )
        except ProviderError as exc:
            form.add_error(None, exc.message)
        else:
            assert isinstance(request.user, User)
            secrets = {**data}
            if not adapter.app_only_kinds:  # per-subject tokens (Google) are minted per host
                secrets["subjects"] = {}
            else:
                secrets.update(access_token=tokens.access_token, expires_at=tokens.expires_at)
            connection, resumed = save_connection(
                adapter=adapter,
                level=Connection.Level.ORGANIZATION,
                kind=adapter.org_kind,
                user=request.user,
                identity=identity,
                secrets=secrets,
            )
            # An organization credential is the organization's, not the test user's.
            Connection.objects.filter(pk=connection.pk).update(
                account_name=f"Organization ({identity.email})"
            )
            _report(request, adapter, connection, resumed)
            return redirect("connections")
    return render(request, "connections/organization.html", {"adapter": adapter, "form": form})


@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    connection = access.find(request.user, Connection.objects.all(), pk, edit=True)
    connection.delete()  # its meetings keep their links (Meeting.connection is SET_NULL)
    messages.success(request, "Connection removed. Meetings it already made keep their links.")
    return redirect("connections")
