"""A connection's health: marking it "needs reconnect" and telling its owner. (Resuming
the meetings that waited for it is scheduling's: convener.scheduling.resume.)"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum
from typing import Final

from django.conf import settings
from django.core.mail import get_connection, send_mail

from convener.connections.models import Connection
from convener.team.models import User

log = logging.getLogger(__name__)


class Unset(Enum):
    """No (re)connection named: mark whatever the connection's credentials are now."""

    TOKEN = 0


UNSET: Final = Unset.TOKEN


def _owners(connection: Connection) -> list[User]:
    if connection.level == Connection.Level.USER and connection.user is not None:
        return [connection.user]
    return list(User.objects.filter(is_superuser=True, is_active=True))


def mark_needs_reconnect(
    connection_id: int, reason: str, *, connected_at: datetime | Unset | None = UNSET
) -> None:
    """Mark the connection and email its owner, once (only on the change of state)."""
    if flag_needs_reconnect(connection_id, reason, connected_at=connected_at):
        tell_owners(connection_id, reason)


def flag_needs_reconnect(
    connection_id: int, reason: str, *, connected_at: datetime | Unset | None = UNSET
) -> bool:
    """Mark an active connection "needs reconnect"; True when this changed its state.

    `connected_at`: the (re)connection the caller's judgement is about; when the account
    was reconnected since, the refusal was of the old credentials and nothing is marked."""
    active = Connection.objects.filter(pk=connection_id, status=Connection.Status.ACTIVE)
    if not isinstance(connected_at, Unset):
        active = active.filter(connected_at=connected_at)
    changed = active.update(status=Connection.Status.NEEDS_RECONNECT, status_reason=reason[:1000])
    if changed:
        log.warning("connection %s needs reconnecting: %s", connection_id, reason)
    return bool(changed)


def tell_owners(connection_id: int, reason: str) -> None:
    """Email the owners of a connection just marked "needs reconnect" (best effort)."""
    connection = Connection.objects.select_related("user").get(pk=connection_id)
    recipients = [u.email for u in _owners(connection) if u.email]
    if not recipients or not settings.SMTP_HOST:
        return  # the connections page and the banner show it
    who = connection.account_email or f"#{connection.pk}"
    try:
        send_mail(
            subject=f"Reconnect your {connection.provider} account {who}",
            message=(
                f"Convener can no longer use the {connection.provider} account {who}:\n"
                f"{reason}\n\nThe meetings that need it wait, and so do those asked for "
                "until then (forms, campaigns and launches keep them): they are made as soon "
                f"as you reconnect it at {settings.SITE_URL}/connections/ ."
            ),
            from_email=settings.EMAIL_FROM,
            recipient_list=recipients,
            connection=get_connection(settings.INVITATION_EMAIL_BACKEND),
        )
    except Exception as exc:  # the state change above stands; the UI shows it
        log.warning("could not email about connection %s: %s", connection_id, exc)
