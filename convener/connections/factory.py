"""Builds the provider object that serves one meeting: the provider's recipe, the
settings, and the connection's credentials."""

from __future__ import annotations

from convener.connections.clients import RequestHook, provider_for_connection
from convener.connections.configuration import provider_settings
from convener.connections.models import Connection
from convener.providers.base import AuthenticationError, Provider
from convener.providers.registry import recipe


def build_provider(
    slug: str,
    connection: Connection | None,
    host_email: str | None,
    *,
    before_request: RequestHook | None = None,
) -> Provider:
    """The provider for `slug`, acting through `connection` for the host `host_email`;
    `before_request` runs before each of its API requests (the caller's pacing)."""
    provider = recipe(slug)
    if not provider.capabilities.needs_connection:
        return provider.build(None, provider_settings())
    if connection is None:
        # Its connection was removed: wait for a new one rather than fail for good.
        raise AuthenticationError(
            f"the {provider.name} connection of this meeting was removed; connect an account"
        )
    return provider_for_connection(provider, connection, host_email, before_request=before_request)
