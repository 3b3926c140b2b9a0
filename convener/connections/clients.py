"""A provider object wired to a connection: API base URL from settings, bearer tokens from
the connection's token source."""

from __future__ import annotations

from django.conf import settings

from convener.connections.adapters import ADAPTERS
from convener.connections.models import Connection
from convener.connections.tokens import ConnectionTokenSource
from convener.providers.base import Provider
from convener.providers.http import BearerAuth, make_client


def token_source(connection: Connection, host_email: str | None) -> ConnectionTokenSource:
    # Google service accounts mint one token per user they act as.
    subject = host_email if connection.kind == Connection.Kind.SERVICE_ACCOUNT else None
    return ConnectionTokenSource(connection.pk, subject, loaded=connection)


def provider_for_connection(
    cls: type[Provider], connection: Connection, host_email: str | None
) -> Provider:
    adapter = ADAPTERS[connection.provider]
    http = make_client(
        adapter.api_url(),
        timeout=settings.PROVIDER_TIMEOUT_SECONDS,
        auth=BearerAuth(token_source(connection, host_email)),
    )
    provider: Provider = cls(http=http, app_only=connection.kind in adapter.app_only_kinds)  # type: ignore[call-arg]
    return provider
