"""A provider object wired to a connection: the API base URL from the provider's recipe,
bearer tokens from the connection's token source."""

from __future__ import annotations

from convener.connections.configuration import provider_settings
from convener.connections.models import Connection
from convener.connections.tokens import ConnectionTokenSource
from convener.providers.base import Provider
from convener.providers.http import BearerAuth, make_client
from convener.providers.recipe import ConnectedAccount, ProviderRecipe


def token_source(connection: Connection, host_email: str | None) -> ConnectionTokenSource:
    grant = connection.grant
    # Some organization grants mint one token per user they act as (a Google service
    # account's subject): the host's.
    subject = host_email if grant is not None and grant.token_per_host else None
    return ConnectionTokenSource(connection.pk, subject, loaded=connection)


def provider_for_connection(
    recipe: ProviderRecipe, connection: Connection, host_email: str | None
) -> Provider:
    settings = provider_settings()
    grant = connection.grant
    http = make_client(
        recipe.api_url(settings),
        timeout=settings.timeout,
        auth=BearerAuth(token_source(connection, host_email)),
    )
    account = ConnectedAccount(
        http=http,
        app_only=grant is not None and grant.app_only,
        default_host=connection.default_host_email if grant is not None else "",
    )
    return recipe.build(account, settings)
