"""Why an invitation was not sent, and whether trying again can help.

SMTP says so itself (RFC 5321, section 4.2.1): a 5yz reply is a permanent failure, and
the same message to the same mailbox will be refused again (no such mailbox, a message
refused as too large); a 4yz reply is transient (mailbox busy, try later). A message
that cannot be built, such as one with a header Django refuses, fails the same way every
time. Anything else (no connection, a timeout) may pass: it is retried, a bounded number
of times, with a growing delay.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass

from django.conf import settings

RETRY_FIRST_SECONDS = 60.0
RETRY_CAP_SECONDS = 3600.0


@dataclass(frozen=True)
class SendFailure:
    reason: str  # shown to people, on the meeting and in the API
    permanent: bool


def max_attempts() -> int:
    return int(settings.INVITATION_MAX_ATTEMPTS)


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` tries: a minute, doubling up to an
    hour. With the default 10 attempts, an SMTP server down for about four hours is
    waited out."""
    return min(RETRY_CAP_SECONDS, RETRY_FIRST_SECONDS * 2.0 ** max(0, attempts - 1))


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def not_built(exc: Exception) -> SendFailure:
    return SendFailure(f"the invitation cannot be built: {type(exc).__name__}: {exc}", True)


def classify(exc: Exception) -> SendFailure:
    """What a failed SMTP conversation means for this invitation."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # One recipient per message: the address is the delivery's own.
        replies = exc.recipients.values()
        text = "; ".join(f"{code} {_text(reply)}" for code, reply in replies)
        permanent = all(code >= 500 for code, _ in replies)
        return SendFailure(f"the mail server refused the address: {text}", permanent)
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        return SendFailure(f"the mail server answered {reply}", exc.smtp_code >= 500)
    return SendFailure(f"{type(exc).__name__}: {exc}", permanent=False)
