"""A provider object wired to a connection: the API base URL from the provider's recipe,
bearer tokens from the connection's token source."""

from __future__ import annotations

from collections.abc import Callable

import httpx2

from convener.connections.configuration import provider_settings
from convener.connections.models import Connection
from convener.connections.tokens import ConnectionTokenSource
from convener.providers.base import Provider
from convener.providers.http import BearerAuth, make_client
from convener.providers.recipe import ConnectedAccount, ProviderRecipe

# Called with each API request before it is sent.
RequestHook = Callable[[httpx2.Request], None]


def token_source(connection: Connection, host_email: str | None) -> ConnectionTokenSource:
    grant = connection.grant
    # Some organization grants mint one token per user they act as (a Google service
    # account's subject): the host's.
    subject = host_email if grant is not None and grant.token_per_host else None
    return ConnectionTokenSource(connection.pk, subject, loaded=connection)


def provider_for_connection(
    recipe: ProviderRecipe,
    connection: Connection,
    host_email: str | None,
    *,
    before_request: RequestHook | None = None,
) -> Provider:
    settings = provider_settings()
    grant = connection.grant
    http = make_client(
        recipe.api_url(settings),
        timeout=settings.timeout,
        auth=BearerAuth(token_source(connection, host_email)),
    )
    if before_request is not None:
        # Every API request of the provider, however many one operation makes (a list
        # before a create), passes through it; token requests use their own client.
        http.event_hooks = {"request": [before_request], "response": []}
    account = ConnectedAccount(
        http=http,
        app_only=grant is not None and grant.app_only,
        default_host=connection.default_host_email if grant is not None else "",
    )
    return recipe.build(account, settings)
