"""Changing who attends a meeting after it was scheduled: a calendar event whose
participants change. The attendees are replaced in the meeting's row lock, the SEQUENCE
rises once and the meeting is made due, so sync updates the provider and sends the new
version of the invitation to everyone on it, as for a reschedule.

Someone taken off the meeting who had been sent the invitation gets a CANCEL for it, so
that it leaves their calendar; it is written and sent once the change has committed, and
a failure stays on its row in the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from convener.invitations.compose import Recipient, compose, organizer_of
from convener.invitations.delivery import send
from convener.meetings.models import Attendee, Delivery, Meeting
from convener.scheduling import lifecycle
from convener.team.models import User


@dataclass(frozen=True)
class Person:
    """Someone who should attend: a team member (`user`), a contact or an external
    address (`kind` says which)."""

    email: str
    name: str
    kind: str
    user: User | None = None


def _wanted(rows: Sequence[Attendee] | Sequence[Person]) -> set[tuple[str, str]]:
    return {(r.email.lower(), r.kind) for r in rows}


def set_attendees(meeting: Meeting, people: Sequence[Person], by: User | None = None) -> bool:
    """Make `people` the meeting's attendees. Returns whether anything changed (nothing
    is sent when the list is the same). A cancelled meeting is refused as every change
    of one is (ValidationError on "state")."""
    lifecycle._require_edit(meeting, by)
    lifecycle._refuse_if_cancelled(meeting, "changed")
    unique: dict[str, Person] = {}
    for person in people:
        unique.setdefault(person.email.lower(), person)
    if _wanted(list(meeting.attendees.all())) == _wanted(list(unique.values())):
        return False
    removed: list[Recipient] = []
    with lifecycle._editing(meeting) as edit:
        row = edit.row
        lifecycle._refuse_if_cancelled(row, "changed")
        removed = [
            Recipient(a.email, a.name, row.timezone)
            for a in row.attendees.all()
            if a.email.lower() not in unique
        ]
        row.attendees.all().delete()
        Attendee.objects.bulk_create(
            Attendee(
                meeting=row,
                email=p.email,
                name=p.name[:200],
                kind=p.kind,
                user=p.user,
            )
            for p in unique.values()
        )
        row.sequence += 1
        lifecycle._make_due(row)
        edit.changed = True
        lifecycle._log("attendees changed", row, by)
    if removed and meeting.send_invitations:
        pk = meeting.pk
        transaction.on_commit(lambda: tell_removed(pk, removed))
    return True


def tell_removed(meeting_id: int, removed: Sequence[Recipient]) -> None:
    """A CANCEL to each person taken off the meeting who had been sent its invitation."""
    meeting = Meeting.objects.select_related("host", "contact", "action").get(pk=meeting_id)
    invited = {
        email.lower()
        for email in Delivery.objects.filter(meeting=meeting, method="REQUEST").values_list(
            "recipient", flat=True
        )
    }
    reply_to = organizer_of(meeting).email
    for person in removed:
        if person.email.lower() not in invited:
            continue  # nothing reached them: nothing to take out of their calendar
        composed = compose(meeting, person, "CANCEL", everyone=[person])
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    meeting=meeting,
                    recipient=person.email,
                    recipient_name=person.name,
                    method="CANCEL",
                    sequence=meeting.sequence,
                    subject=composed.subject,
                    text_body=composed.text,
                    html_body=composed.html,
                    ics=composed.ics,
                )
        except IntegrityError:
            continue  # written already for this version
        send(delivery, reply_to)
