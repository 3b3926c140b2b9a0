"""The default host of an organization account that acts for named users (a Zoom
Server-to-Server app): checked at the provider before it is saved, so that a mistyped
address is an error on the settings page rather than a failed meeting later."""

from __future__ import annotations

from convener.connections.clients import token_source
from convener.connections.configuration import provider_settings
from convener.connections.models import Connection
from convener.providers.http import BearerAuth, make_client
from convener.providers.registry import recipe


def takes_default_host(connection: Connection) -> bool:
    """Whether the connection's grant makes meetings for a default host."""
    grant = connection.grant
    return connection.level == Connection.Level.ORGANIZATION and bool(
        grant is not None and grant.default_host
    )


def host_problems(connection: Connection, email: str) -> tuple[str, ...]:
    """What stops `email` from hosting meetings with `connection` (none: it can). Raises
    ProviderError when the provider refuses: no such user, credentials no longer valid.
    The same pre-check as when the credentials were saved (the recipe's identify)."""
    provider = recipe(connection.provider)
    settings = provider_settings()
    with make_client(
        provider.api_url(settings),
        timeout=settings.timeout,
        auth=BearerAuth(token_source(connection, email)),
    ) as http:
        identity = provider.identify(http, app_only=True, host_email=email)
    return identity.problems
