"""Access tokens of a connection: stored encrypted, refreshed shortly before they expire,
one refresh at a time per connection across every worker process.

The refresh runs inside a transaction holding the connection's row lock
(SELECT ... FOR UPDATE on PostgreSQL; on SQLite every write transaction is IMMEDIATE and
so already exclusive). A process that waited for the lock reads the token the other one
stored and does not refresh again. This matters for Zoom, whose refresh tokens die the
moment they are used: two concurrent refreshes would leave one process with a dead token.

A refresh token the provider calls dead (invalid_grant) marks the connection "needs
reconnect"; no further call is made with it until someone reconnects the account.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import transaction

from convener.connections.configuration import provider_settings
from convener.connections.models import Connection
from convener.connections.status import mark_needs_reconnect
from convener.providers.base import AuthenticationError
from convener.providers.oauth import TokenSet, refresh
from convener.providers.registry import recipe

log = logging.getLogger(__name__)

# Renew this long before expiry, so a token never expires in the middle of a call.
REFRESH_MARGIN_SECONDS = 120.0


class ConnectionTokenSource:
    """The AccessTokenSource of one connection (and, for a Google service account, one
    subject: tokens are minted per host user)."""

    def __init__(
        self, connection_id: int, subject: str | None = None, *, loaded: Connection | None = None
    ) -> None:
        self.connection_id = connection_id
        self.subject = subject
        # The row as the caller read it moments ago: the first token() uses it instead of
        # reading it again. Later calls, and every refresh, read the row afresh.
        self._loaded = loaded

    def _slot(self, secrets: dict[str, Any]) -> dict[str, Any]:
        if self.subject is None:
            return secrets
        subjects: dict[str, Any] = secrets.setdefault("subjects", {})
        slot: dict[str, Any] = subjects.setdefault(self.subject.lower(), {})
        return slot

    @staticmethod
    def _usable(connection: Connection) -> None:
        if connection.status != Connection.Status.ACTIVE:
            raise AuthenticationError(
                f"the {connection.provider} account {connection.account_email or connection.pk} "
                f"needs reconnecting: {connection.status_reason or connection.get_status_display()}"
            )

    @staticmethod
    def _fresh(slot: dict[str, Any]) -> bool:
        expires_at = float(slot.get("expires_at") or 0)
        return bool(slot.get("access_token")) and expires_at - time.time() > REFRESH_MARGIN_SECONDS

    def ready(self) -> str | None:
        """The token, from the row the caller read, when that row alone can give it (an
        active connection, a token not about to expire); else None."""
        connection = self._loaded
        if connection is None or connection.status != Connection.Status.ACTIVE:
            return None
        slot = self._slot(connection.secrets)
        if not self._fresh(slot):
            return None
        self._loaded = None  # used once, as `token()` uses it
        return str(slot["access_token"])

    def token(self) -> str:
        connection, self._loaded = self._loaded, None
        if connection is None or connection.status != Connection.Status.ACTIVE:
            # A row read as "needs reconnecting" may be older than a reconnect that has
            # happened since (the caller read it, then waited for its pacing slot): only
            # the row as it is now may refuse the call.
            connection = Connection.objects.get(pk=self.connection_id)
        self._usable(connection)
        slot = self._slot(connection.secrets)
        if self._fresh(slot):
            return str(slot["access_token"])
        return self._renew(stale=slot.get("access_token"))

    def refresh(self, rejected: str) -> str:
        return self._renew(stale=rejected)

    def _grant(self, connection: Connection, secrets: dict[str, Any]) -> TokenSet:
        provider = recipe(connection.provider)
        settings = provider_settings()
        if connection.kind == Connection.Kind.OAUTH:
            refresh_token = secrets.get("refresh_token")
            app = provider.oauth_app(settings)
            if not refresh_token or app is None:
                raise AuthenticationError(
                    f"{provider.name} gave no refresh token for {connection.account_email}; "
                    "reconnect the account"
                )
            return refresh(app, str(refresh_token), timeout=settings.timeout)
        return provider.organization_token(secrets, host_email=self.subject, settings=settings)

    def _renew(self, *, stale: str | None) -> str:
        try:
            with transaction.atomic():
                connection = Connection.objects.select_for_update().get(pk=self.connection_id)
                self._usable(connection)
                secrets = connection.secrets
                slot = self._slot(secrets)
                current = slot.get("access_token")
                if current and current != stale and self._fresh(slot):
                    return str(current)  # another process renewed it while we waited
                tokens = self._grant(connection, secrets)
                slot["access_token"] = tokens.access_token
                slot["expires_at"] = tokens.expires_at
                if tokens.refresh_token and connection.kind == Connection.Kind.OAUTH:
                    # Stored in the same transaction: Microsoft and Zoom rotate it.
                    secrets["refresh_token"] = tokens.refresh_token
                connection.secrets = secrets
                connection.save(update_fields=["secret_blob", "updated_at"])
                log.info("renewed the access token of connection %s", connection.pk)
                return tokens.access_token
        except AuthenticationError as exc:
            mark_needs_reconnect(self.connection_id, exc.message)
            raise
