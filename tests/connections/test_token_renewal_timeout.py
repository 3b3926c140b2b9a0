"""A connection's token renewal is a provider call like any other: it gives up after
CONVENER_PROVIDER_TIMEOUT_SECONDS, and a token endpoint that does not answer leaves the
connection usable (a transient failure, not a reason to reconnect)."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from convener.connections.models import Connection
from convener.connections.tokens import ConnectionTokenSource
from convener.providers.base import ProviderError
from convener.team.models import User


@pytest.mark.django_db
def test_a_refresh_gives_up_after_the_configured_provider_timeout(
    settings: Any, member: User
) -> None:
    connection = Connection(provider="zoom", level="user", user=member, account_email="a@x.io")
    connection.secrets = {"access_token": "old", "expires_at": 0, "refresh_token": "rt"}
    connection.save()
    with socket.socket() as silent:  # the token endpoint accepts and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.ZOOM_OAUTH_URL = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET = "client", "secret"
        settings.PROVIDER_TIMEOUT_SECONDS = 0.3
        started = time.monotonic()
        with pytest.raises(ProviderError) as failed:
            ConnectionTokenSource(connection.pk).token()

    assert not failed.value.permanent and "ReadTimeout" in failed.value.message
    assert time.monotonic() - started < 10  # the configured 0.3 s, not a built-in 20 s
    connection.refresh_from_db()
    assert connection.status == Connection.Status.ACTIVE
