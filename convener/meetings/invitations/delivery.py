"""Delivery of invitations: one Delivery row per (meeting, recipient, version, method).

The row is written before sending, and claimed with a conditional update, so that two
workers never send the same version to the same person. With SMTP configured the message
goes out over SMTP; without, it is held in the outbox page.
"""

from __future__ import annotations

import logging
from email.mime.text import MIMEText
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from convener.meetings.invitations.compose import Bodies, compose, organizer_of, recipients_of
from convener.meetings.models import Delivery, Meeting, MeetingState

log = logging.getLogger(__name__)


def _message(delivery: Delivery, reply_to: str) -> EmailMultiAlternatives:
    to = formataddr((delivery.recipient_name, delivery.recipient))
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=delivery.text_body,
        from_email=settings.EMAIL_FROM,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
        headers={"X-Convener-Meeting": str(delivery.meeting.uid)},
    )
    message.attach_alternative(delivery.html_body, "text/html")
    # The calendar part carries METHOD as a Content-Type parameter; mail clients use it
    # to show Accept/Decline buttons.
    part = MIMEText(delivery.ics, "calendar", "utf-8")
    part.set_param("method", delivery.method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    message.attach(part)
    return message


def prepare(meeting: Meeting, method: str = "REQUEST") -> list[Delivery]:
    """Write the Delivery rows of the meeting's current version (idempotent)."""
    rows: list[Delivery] = []
    bodies: Bodies | None = None
    for recipient in recipients_of(meeting):
        existing = Delivery.objects.filter(
            meeting=meeting, recipient=recipient.email, sequence=meeting.sequence, method=method
        ).first()
        if existing is not None:
            rows.append(existing)
            continue
        bodies = bodies or Bodies()
        composed = compose(meeting, recipient, method, bodies)
        try:
            with transaction.atomic():
                rows.append(
                    Delivery.objects.create(
                        meeting=meeting,
                        recipient=recipient.email,
                        recipient_name=recipient.name,
                        method=method,
                        sequence=meeting.sequence,
                        subject=composed.subject,
                        text_body=composed.text,
                        html_body=composed.html,
                        ics=composed.ics,
                    )
                )
        except IntegrityError:  # another worker wrote it first
            rows.append(
                Delivery.objects.get(
                    meeting=meeting,
                    recipient=recipient.email,
                    sequence=meeting.sequence,
                    method=method,
                )
            )
    return rows


def send(delivery: Delivery, reply_to: str) -> None:
    claimed = Delivery.objects.filter(
        pk=delivery.pk, status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED]
    ).update(status=Delivery.Status.SENDING, attempts=delivery.attempts + 1)
    if not claimed:
        return
    if not settings.SMTP_HOST:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.HELD, sent_at=timezone.now(), error=""
        )
        return
    try:
        # Named explicitly: invitations go over SMTP whenever a host is configured, whatever
        # backend the rest of Django uses (test runners swap in an in-memory one).
        connection = get_connection(settings.INVITATION_EMAIL_BACKEND, fail_silently=False)
        sent = connection.send_messages([_message(delivery, reply_to)])
        if not sent:
            raise RuntimeError("the SMTP server accepted no message")
    except Exception as exc:  # SMTP and socket errors alike: kept, retried later
        log.warning("invitation delivery %s not sent: %s", delivery.pk, exc)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:1000]
        )
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), error=""
    )


def deliver(meeting: Meeting, method: str = "REQUEST") -> bool:
    """Prepare and send the current version; True when every recipient has it."""
    if not meeting.send_invitations:
        return True
    reply_to = organizer_of(meeting).email
    rows = prepare(meeting, method)
    for row in rows:
        if row.status in (Delivery.Status.PENDING, Delivery.Status.FAILED):
            send(row, reply_to)
    done = {Delivery.Status.SENT, Delivery.Status.HELD}
    statuses = Delivery.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    complete = all(status in done for status in statuses)
    if complete and method == "REQUEST":
        Meeting.objects.filter(pk=meeting.pk, state=MeetingState.LINKED).update(
            state=MeetingState.INVITED, state_reason=""
        )
    return complete
