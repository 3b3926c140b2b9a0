"""A connection's health: marking it "needs reconnect" and telling its owner. (Resuming
the meetings that waited for it is scheduling's: convener.scheduling.resume.)"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import get_connection, send_mail

from convener.connections.models import Connection
from convener.team.models import User

log = logging.getLogger(__name__)


def _owners(connection: Connection) -> list[User]:
    if connection.level == Connection.Level.USER and connection.user is not None:
        return [connection.user]
    return list(User.objects.filter(is_superuser=True, is_active=True))


def mark_needs_reconnect(connection_id: int, reason: str) -> None:
    """Mark the connection and email its owner, once (only on the change of state)."""
    changed = Connection.objects.filter(pk=connection_id, status=Connection.Status.ACTIVE).update(
        status=Connection.Status.NEEDS_RECONNECT, status_reason=reason[:1000]
    )
    if not changed:
        return
    connection = Connection.objects.select_related("user").get(pk=connection_id)
    log.warning("connection %s needs reconnecting: %s", connection_id, reason)
    recipients = [u.email for u in _owners(connection) if u.email]
    if not recipients or not settings.SMTP_HOST:
        return  # the connections page and the banner show it
    who = connection.account_email or f"#{connection.pk}"
    try:
        send_mail(
            subject=f"Reconnect your {connection.provider} account {who}",
            message=(
                f"Convener can no longer use the {connection.provider} account {who}:\n"
                f"{reason}\n\nMeetings that need it are waiting and will be created as soon as "
                f"you reconnect it at {settings.SITE_URL}/connections/ ."
            ),
            from_email=settings.EMAIL_FROM,
            recipient_list=recipients,
            connection=get_connection(settings.INVITATION_EMAIL_BACKEND),
        )
    except Exception as exc:  # the state change above stands; the UI shows it
        log.warning("could not email about connection %s: %s", connection_id, exc)
