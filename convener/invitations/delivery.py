"""Delivery of invitations: one Delivery row per (meeting, recipient, version, method).

The row is written before sending, and claimed with a conditional update, so that two
workers never send the same version to the same person. With SMTP configured the message
goes out over SMTP; without, it is held in the outbox page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage as Mime
from email.mime.text import MIMEText
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.utils import timezone

from convener.db.writes import insert_one, update
from convener.invitations import smtp, written
from convener.invitations.compose import (
    Bodies,
    Recipient,
    compose,
    current_bodies,
    organizer_of,
    recipients_of,
)
from convener.invitations.failures import (
    SendFailure,
    classify,
    max_attempts,
    not_built,
    retry_delay,
)
from convener.invitations.mime import ready_to_write
from convener.invitations.written import Invitation
from convener.meetings.models import Delivery, Meeting
from convener.plaintext import one_line

log = logging.getLogger(__name__)


# Where a batch that loads meetings may put each one's Delivery rows for `prepare`.
LOADED_DELIVERIES = "loaded_deliveries"


class _Invitation(EmailMultiAlternatives):
    """Built into MIME once: the message is built before sending, to refuse what cannot
    be built as a failure of its own, and the SMTP backend builds it again to send it.
    Written straight to its bytes where it can be (`written`), by the email package
    otherwise: building is a good part of an invitation's cost when thousands go out."""

    _built: Mime | None = None

    def __init__(self, invitation: Invitation) -> None:
        super().__init__(
            subject=invitation.subject,
            body=invitation.text,
            from_email=invitation.from_email,
            to=list(invitation.to),
            reply_to=list(invitation.reply_to) or None,
            headers=invitation.headers,
        )
        self.invitation = invitation

    def message(self, **options: Any) -> Mime:
        if options:
            return self._by_the_email_package(**options)
        if self._built is None:
            self._built = written.write(self.invitation) or self._by_the_email_package()
        return self._built

    def _by_the_email_package(self, **options: Any) -> Mime:
        if not self.alternatives:
            self.attach_alternative(self.invitation.html, "text/html")
            # The calendar part carries METHOD as a Content-Type parameter; mail clients
            # use it to show Accept/Decline buttons.
            part = MIMEText(self.invitation.calendar, "calendar", "utf-8")
            part.set_param("method", self.invitation.method)
            part.add_header("Content-Disposition", "attachment", filename="invite.ics")
            self.attach(part)
        return ready_to_write(super().message(**options))


def _message(delivery: Delivery, reply_to: str) -> EmailMultiAlternatives:
    # Names and subjects were checked at input; rows written before that, and names of
    # team members, are flattened here so that no header can carry a line break.
    return _Invitation(
        Invitation(
            subject=one_line(delivery.subject),
            from_email=settings.EMAIL_FROM,
            to=[formataddr((one_line(delivery.recipient_name), delivery.recipient))],
            reply_to=[reply_to] if reply_to else [],
            headers={"X-Convener-Meeting": str(delivery.meeting.uid)},
            text=delivery.text_body,
            html=delivery.html_body,
            calendar=delivery.ics,
            method=delivery.method,
        )
    )


def prepare(meeting: Meeting, method: str = "REQUEST") -> list[Delivery]:
    """Write the Delivery rows of the meeting's current version (idempotent)."""
    return _prepare(meeting, method, claim=False)[0]


def _prepare(
    meeting: Meeting, method: str, *, claim: bool
) -> tuple[list[Delivery], list[Delivery]]:
    """The version's rows, and those of them this call wrote. With `claim` (and an SMTP
    server), new rows are written claimed for sending by this worker ("sending", a first
    attempt) instead of waiting to be claimed by a write of their own."""
    # Read with the batch the meeting was loaded in (`dispatch.sync.load`), once. Stale
    # by the time it is used at worst: a row written meanwhile is found by its unique
    # key below, and a status is only ever changed by a conditional claim (`send`).
    loaded: list[Delivery] | None = meeting.__dict__.pop(LOADED_DELIVERIES, None)
    if loaded is None:
        loaded = list(_version(meeting, method))
    existing = {
        row.recipient: row
        for row in loaded
        if row.sequence == meeting.sequence and row.method == method
    }
    rows: list[Delivery] = []
    written: list[Delivery] = []
    bodies: Bodies | None = None
    calendar: str | None = None
    everyone = recipients_of(meeting)
    if method == "CANCEL":
        everyone = _holders(meeting, everyone)
    for recipient in everyone:
        if recipient.email in existing:
            rows.append(existing[recipient.email])
            continue
        bodies = bodies or current_bodies()
        # The calendar is the same for every recipient: built once (icalendar's
        # serialising is most of composing an invitation).
        composed = compose(meeting, recipient, method, bodies, everyone, ics=calendar)
        calendar = composed.ics
        row = Delivery(
            meeting=meeting,
            recipient=recipient.email,
            recipient_name=recipient.name,
            method=method,
            sequence=meeting.sequence,
            subject=composed.subject,
            text_body=composed.text,
            html_body=composed.html,
            ics=composed.ics,
            # Without an SMTP server a row is held at once, claimed or not.
            **(_sending() if claim or not settings.SMTP_HOST else {}),
        )
        # A prepared INSERT that skips a row another worker wrote first: no savepoint and
        # no compile, a good part of an invitation's cost when thousands go out in a row.
        if insert_one(row, skip_conflict=True):
            written.append(row)
        else:
            row = _version(meeting, method).get(recipient=recipient.email)
        rows.append(row)
    return rows, written


def _version(meeting: Meeting, method: str) -> QuerySet[Delivery]:
    # Built only when it is read: building the query cost a worker a tenth of a
    # millisecond for every meeting invited, and the rows come with the batch.
    return Delivery.objects.filter(meeting=meeting, sequence=meeting.sequence, method=method)


def _sending() -> dict[str, object]:
    """A new row's first claim, made as it is written: held at once in the outbox without
    an SMTP server, "sending" with one."""
    if not settings.SMTP_HOST:
        return _held(attempts=1)
    return {"status": Delivery.Status.SENDING, "attempts": 1}


def _held(*, attempts: int) -> dict[str, object]:
    """A delivery held in the outbox: without an SMTP server nothing is sent, so a new
    row is written held at once and a pending one is claimed and held in one write."""
    return {
        "status": Delivery.Status.HELD,
        "attempts": attempts,
        "sent_at": timezone.now(),
        "error": "",
    }


def _holders(meeting: Meeting, listed: list[Recipient]) -> list[Recipient]:
    """Who may have the meeting in their calendar: everyone a REQUEST went to (or may have
    gone to: one being sent when a worker died), listed now or not. A CANCEL goes to them
    and to nobody else: a person whose invitation never left has nothing to remove."""
    by_email = {recipient.email.lower(): recipient for recipient in listed}
    reached = (
        Delivery.objects.filter(
            meeting=meeting,
            method="REQUEST",
            status__in=[Delivery.Status.SENT, Delivery.Status.HELD, Delivery.Status.SENDING],
        )
        .order_by("created_at")
        .values_list("recipient", "recipient_name")
    )
    holders: dict[str, Recipient] = {}
    for email, name in reached:
        key = email.lower()
        if key not in holders:
            holders[key] = by_email.get(key) or Recipient(email, name, meeting.timezone)
    return list(holders.values())


def send(delivery: Delivery, reply_to: str) -> str | None:
    """Send one pending (or failed) delivery; its status afterwards, or None when another
    worker holds it. A failure that cannot pass, or the last allowed attempt, makes it
    undeliverable: it is not tried again."""
    claimed = _claim(delivery)
    if claimed != Delivery.Status.SENDING:
        return claimed
    failure = _transmit(delivery, reply_to)
    if failure is not None:
        return _failed(delivery, delivery.attempts, failure)
    _mark_sent([delivery])
    return Delivery.Status.SENT


def _claim(delivery: Delivery) -> str | None:
    """Claim a pending (or failed) delivery with one conditional write: "sending" for
    this worker to send (the row's attempts counted), "held" in the outbox without an
    SMTP server, or None when another worker claimed it first."""
    claimable = Delivery.objects.filter(
        pk=delivery.pk, status__in=[Delivery.Status.PENDING, Delivery.Status.FAILED]
    )
    attempts = delivery.attempts + 1
    if not settings.SMTP_HOST:
        held = claimable.update(**_held(attempts=attempts))
        return Delivery.Status.HELD if held else None
    if not claimable.update(status=Delivery.Status.SENDING, attempts=attempts):
        return None
    delivery.status, delivery.attempts = Delivery.Status.SENDING, attempts
    return Delivery.Status.SENDING


def _transmit(delivery: Delivery, reply_to: str) -> SendFailure | None:
    """Build and send one delivery claimed for sending: the failure, or None once the
    server has taken it. No database work: a batch sends outside its transactions."""
    try:
        message = _message(delivery, reply_to)
        message.message()  # builds every header: what Django refuses now, it always will
    except Exception as exc:
        return not_built(exc)
    try:
        # Over the SMTP backend named in settings whenever a host is configured, whatever
        # backend the rest of Django uses (test runners swap in an in-memory one), on a
        # connection kept open for the next message.
        sent = smtp.send(message)
        if not sent:
            raise RuntimeError("the SMTP server accepted no message")
    except Exception as exc:  # SMTP and socket errors alike
        return classify(exc)
    return None


def _mark_sent(rows: list[Delivery]) -> None:
    # A prepared statement: one for each meeting invited, on the mail threads.
    now = timezone.now()
    for row in rows:
        row.status, row.sent_at, row.error = Delivery.Status.SENT, now, ""
    update(rows, _SENT)


_SENT = ("status", "sent_at", "error")


def _failed(delivery: Delivery, attempts: int, failure: SendFailure) -> str:
    give_up = failure.permanent or attempts >= max_attempts()
    reason = failure.reason
    if give_up and not failure.permanent:
        reason = f"{reason} (gave up after {attempts} attempts)"
    status = Delivery.Status.UNDELIVERABLE if give_up else Delivery.Status.FAILED
    log.warning("invitation delivery %s not sent (%s): %s", delivery.pk, status, reason)
    Delivery.objects.filter(pk=delivery.pk).update(status=status, error=reason[:1000])
    return status


@dataclass(frozen=True)
class Round:
    """How the invitations of one version stand after a round of sending."""

    waiting: int = 0  # still to send: failed for now, or in another worker's hands
    retry_in: float = 0.0  # seconds until the next round, while some are waiting
    undeliverable: tuple[str, ...] = ()  # "recipient: why", for those never to be sent

    @property
    def settled(self) -> bool:
        return self.waiting == 0

    def reason(self) -> str:
        if not self.undeliverable:
            return ""
        return "not delivered to " + "; ".join(self.undeliverable)


def deliver(meeting: Meeting, method: str = "REQUEST") -> Round:
    """Prepare and send the current version, and say how its invitations stand."""
    if not meeting.send_invitations:
        return Round()
    reply_to = organizer_of(meeting).email
    outcomes: list[str | None] = []
    rows = prepare(meeting, method)
    for row in rows:
        if row.status in (Delivery.Status.PENDING, Delivery.Status.FAILED):
            outcomes.append(send(row, reply_to))
        else:
            outcomes.append(row.status)
    return _round(rows, outcomes)


def _round(rows: list[Delivery], outcomes: list[str | None]) -> Round:
    """How the version stands, from what became of each of its rows this round."""
    done = {Delivery.Status.SENT, Delivery.Status.HELD}
    if all(outcome in done for outcome in outcomes):
        return Round()
    # Some failed, or were in another worker's hands: read how each one stands now.
    stand = list(
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).values_list(
            "recipient", "status", "error", "attempts"
        )
    )
    undeliverable = tuple(
        f"{recipient}: {error}"
        for recipient, status, error, _ in stand
        if status == Delivery.Status.UNDELIVERABLE
    )
    waiting = [
        attempts
        for _, status, _, attempts in stand
        if status not in done and status != Delivery.Status.UNDELIVERABLE
    ]
    return Round(
        waiting=len(waiting),
        retry_in=retry_delay(max(waiting, default=1)),
        undeliverable=undeliverable,
    )


@dataclass
class Claimed:
    """A version's invitations, those this worker is to send claimed in the caller's
    transaction (`claim_round`). They are sent once it has committed (`transmit`) and
    recorded in one transaction with the meeting's own write (`record`): two writes for
    a batch of meetings and one for each meeting, where sending one by one took four
    (the row, its claim, its "sent", the meeting), each waiting its turn for SQLite's
    write lock."""

    meeting: Meeting
    rows: list[Delivery]
    mine: list[Delivery]
    # What became of the rows this worker does not send: their status, or None when
    # another worker holds them.
    others: dict[int, str | None]


def claim_round(meeting: Meeting, method: str = "REQUEST") -> Claimed:
    """In the caller's transaction: write the version's rows claimed for sending, and
    claim those of its rows that wait to be sent (pending, or failed before)."""
    if not meeting.send_invitations:
        return Claimed(meeting, [], [], {})
    rows, written = _prepare(meeting, method, claim=True)
    new = {row.pk for row in written}
    mine = [row for row in written if row.status == Delivery.Status.SENDING]
    others: dict[int, str | None] = {
        row.pk: row.status for row in written if row.status != Delivery.Status.SENDING
    }
    for row in rows:
        if row.pk in new:
            continue
        if row.status not in (Delivery.Status.PENDING, Delivery.Status.FAILED):
            others[row.pk] = row.status
            continue
        claimed = _claim(row)
        if claimed == Delivery.Status.SENDING:
            mine.append(row)
        else:
            others[row.pk] = claimed
    return Claimed(meeting, rows, mine, others)


def transmit(claimed: Claimed) -> dict[int, SendFailure | None]:
    """Send the claimed rows (after their claim has committed); what became of each."""
    reply_to = organizer_of(claimed.meeting).email
    return {row.pk: _transmit(row, reply_to) for row in claimed.mine}


def record(claimed: Claimed, results: dict[int, SendFailure | None]) -> Round:
    """In the caller's transaction: write what `transmit` achieved, and say how the
    version's invitations stand."""
    _mark_sent([row for row in claimed.mine if row.pk in results and results[row.pk] is None])
    outcomes = dict(claimed.others)
    for row in claimed.mine:
        failure = results.get(row.pk)
        if failure is None:
            outcomes[row.pk] = Delivery.Status.SENT
        else:
            outcomes[row.pk] = _failed(row, row.attempts, failure)
    return _round(claimed.rows, [outcomes.get(row.pk) for row in claimed.rows])
