"""Builds the provider object that serves one meeting: the registry's class, the settings'
endpoints, and the connection's credentials."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from convener.connections.models import Connection
from convener.providers.base import AuthenticationError, Provider
from convener.providers.jitsi.provider import JitsiProvider
from convener.providers.registry import provider_class


def jitsi() -> JitsiProvider:
    salt = hmac.new(settings.SECRET_KEY.encode(), b"jitsi-room-names", hashlib.sha256).hexdigest()
    return JitsiProvider(
        server_url=settings.JITSI_URL,
        room_salt=salt,
        app_id=settings.JITSI_APP_ID,
        app_secret=settings.JITSI_APP_SECRET,
    )


def build_provider(slug: str, connection: Connection | None, host_email: str | None) -> Provider:
    """The provider for `slug`, acting through `connection` for the host `host_email`."""
    if slug == "jitsi":
        return jitsi()
    cls = provider_class(slug)
    if connection is None:
        # Its connection was removed: wait for a new one rather than fail for good.
        raise AuthenticationError(
            f"the {cls.name} connection of this meeting was removed; connect an account"
        )
    from convener.connections.clients import provider_for_connection

    return provider_for_connection(cls, connection, host_email)
