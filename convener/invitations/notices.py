"""Emails to team members about their meetings (not invitations): one per meeting whose
link finally failed, never one per attempt."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import get_connection, send_mail

from convener.meetings.models import Meeting

log = logging.getLogger(__name__)


def notify_link_failed(meeting: Meeting) -> None:
    owner = meeting.host or meeting.created_by
    if owner is None or not owner.email or not settings.SMTP_HOST:
        return  # the meetings list shows it under "Link failed"
    try:
        send_mail(
            subject=f"No meeting link for “{meeting.title}”",
            message=(
                f"Convener could not create the {meeting.provider} link for “{meeting.title}” "
                f"({meeting.start:%Y-%m-%d %H:%M} UTC):\n{meeting.state_reason}\n\n"
                f"Open {settings.SITE_URL}/meetings/{meeting.pk}/ to retry it or enter a link "
                "by hand; the meeting itself is kept."
            ),
            from_email=settings.EMAIL_FROM,
            recipient_list=[owner.email],
            connection=get_connection(settings.INVITATION_EMAIL_BACKEND),
        )
    except Exception as exc:  # the meeting page shows the failure either way
        log.warning("could not email about meeting %s: %s", meeting.pk, exc)
