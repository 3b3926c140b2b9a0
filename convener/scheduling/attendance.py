"""Changing who attends a meeting after it was scheduled: a calendar event whose
participants change. The attendees are replaced in the meeting's row lock, the SEQUENCE
rises once and the meeting is made due, so sync updates the provider and sends the new
version of the invitation to everyone on it, as for a reschedule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from convener.meetings.models import Attendee, Meeting
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
    with lifecycle._editing(meeting) as edit:
        row = edit.row
        lifecycle._refuse_if_cancelled(row, "changed")
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
    return True
