"""The "notify the owner" action: an email to the contact's owner (or the form's) saying
a visitor sent the form, with a link to its submissions. Sent after the submission is
committed; without an SMTP server the submissions page is the notice."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import get_connection, send_mail

from convener.webforms.models import Submission

log = logging.getLogger(__name__)


def notify_owner(submission_id: int) -> None:
    submission = (
        Submission.objects.select_related("form__owner", "contact__owner", "meeting")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        return
    owner = (submission.contact.owner if submission.contact else None) or submission.form.owner
    if owner is None or not owner.email or not settings.SMTP_HOST:
        return
    lines = [f"{key}: {value}" for key, value in submission.values.items()]
    outcome = (
        f"Meeting: {submission.meeting.title}, {submission.meeting.start:%Y-%m-%d %H:%M} UTC"
        if submission.meeting
        else (submission.reason or submission.get_status_display())
    )
    try:
        send_mail(
            subject=f"New submission of “{submission.form.name}”",
            message="\n".join(
                [
                    *lines,
                    "",
                    outcome,
                    "",
                    f"{settings.SITE_URL}/forms/{submission.form_id}/submissions/",
                ]
            ),
            from_email=settings.EMAIL_FROM,
            recipient_list=[owner.email],
            connection=get_connection(settings.INVITATION_EMAIL_BACKEND),
        )
    except Exception as exc:  # the submissions page shows it either way
        log.warning("could not email about submission %s: %s", submission_id, exc)
