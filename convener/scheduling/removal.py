"""Deleting contacts. Their past meetings stay (the meeting keeps its title, times and
attendees; it only loses the link to the contact), and their future ones are cancelled
first, through the lifecycle, so the remote meeting is deleted and every attendee gets
the ICS CANCEL.

A person deletes a contact they may change, and only when they may also cancel each of
its future meetings: deleting it would cancel them. The others are skipped with the
reason, and nothing of theirs changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingState
from convener.scheduling.lifecycle import MeetingBusy, cancel
from convener.team import access

CHUNK = 500


def future_meetings(contact_ids: Iterable[int] | QuerySet[Any, Any]) -> QuerySet[Meeting]:
    """The meetings of these contacts that have not started and are not cancelled: those
    deleting the contacts cancels."""
    return Meeting.objects.filter(
        contact__in=contact_ids, start__gt=timezone.now(), cancel_requested=False
    ).exclude(state=MeetingState.CANCELLED)


def kept_meetings(contact_ids: Iterable[int] | QuerySet[Any, Any]) -> QuerySet[Meeting]:
    """The meetings of these contacts that deleting them keeps: past or cancelled."""
    return Meeting.objects.filter(contact__in=contact_ids).filter(
        Q(start__lte=timezone.now()) | Q(cancel_requested=True) | Q(state=MeetingState.CANCELLED)
    )


@dataclass(frozen=True)
class Refused:
    contact_id: int
    name: str
    reason: str


@dataclass
class DeletionPlan:
    """What deleting a selection would do: the contacts that go, how many future
    meetings that cancels, and the contacts skipped with the reason."""

    deletable: list[int] = field(default_factory=list)
    meetings_to_cancel: int = 0
    refused: list[Refused] = field(default_factory=list)


@dataclass
class DeletionOutcome:
    deleted: list[str] = field(default_factory=list)  # the names of the deleted contacts
    cancelled: int = 0
    refused: list[Refused] = field(default_factory=list)


def _meeting_refusal(user: Any, meeting: Meeting) -> str:
    if not access.can_view(user, meeting):
        return "it has an upcoming meeting you may not see, which deleting it would cancel"
    reason = access.refusal(user, meeting)
    if reason:
        title = meeting.title[:80]
        return f"deleting it would cancel the meeting “{title}”, and you may not: {reason}"
    return ""


def _name(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email  # as Contact.name


@dataclass
class _Upcoming:
    count: int = 0
    refusal: str = ""  # the first of its meetings the person may not cancel, and why


def _upcoming(user: Any, contacts: QuerySet[Contact]) -> dict[int, _Upcoming]:
    """For each contact of `contacts` with future meetings: how many, and whether the
    person may cancel them all. Who may cancel a meeting depends only on its host and its
    connection, so the check runs once per (host, connection)."""
    found: dict[int, _Upcoming] = defaultdict(_Upcoming)
    verdicts: dict[tuple[int | None, int | None], str] = {}
    rows = future_meetings(contacts.values("pk")).values_list(
        "pk", "contact_id", "host_id", "connection_id", "title"
    )
    for pk, contact_id, host_id, connection_id, title in rows.iterator(chunk_size=CHUNK):
        if (host_id, connection_id) not in verdicts:
            meeting = Meeting.objects.select_related("connection").get(pk=pk)
            verdicts[(host_id, connection_id)] = _meeting_refusal(user, meeting)
        upcoming = found[contact_id]
        upcoming.count += 1
        if verdicts[(host_id, connection_id)] and not upcoming.refusal:
            # The reason names this meeting, not the one the verdict was read from.
            meeting = Meeting(pk=pk, host_id=host_id, connection_id=connection_id, title=title)
            upcoming.refusal = _meeting_refusal(user, meeting)
    return found


def plan_deletion(user: Any, contacts: QuerySet[Contact]) -> DeletionPlan:
    """What deleting `contacts` (those the person may see) would do; reads only.

    Whether a contact may be changed depends only on its owner, so that check runs once
    per owner, and the contacts are read as plain values: a selection of a hundred
    thousand is a few queries and no model objects."""
    plan = DeletionPlan()
    upcoming = _upcoming(user, contacts)
    by_owner: dict[int | None, str] = {}
    rows = contacts.order_by("pk").values_list("pk", "owner_id", "first_name", "last_name", "email")
    for pk, owner_id, first, last, email in rows.iterator(chunk_size=CHUNK):
        if owner_id not in by_owner:
            by_owner[owner_id] = access.refusal(user, Contact(owner_id=owner_id))
        meetings = upcoming.get(pk) or _Upcoming()
        reason = by_owner[owner_id] or meetings.refusal
        if reason:
            plan.refused.append(Refused(pk, _name(first, last, email), reason))
        else:
            plan.deletable.append(pk)
            plan.meetings_to_cancel += meetings.count
    return plan


def delete_contacts(user: Any, contacts: QuerySet[Contact]) -> DeletionOutcome:
    """Delete the contacts the person may delete; cancel their future meetings first.

    A contact with future meetings is one step: its meetings are cancelled (each takes
    the meeting's lease, outside any transaction, as every lifecycle edit does), then it
    is deleted. A meeting a worker holds past the wait, or one scheduled meanwhile that
    the person may not cancel, leaves its contact in place, with the reason."""
    plan = plan_deletion(user, contacts)
    outcome = DeletionOutcome(refused=list(plan.refused))
    for start in range(0, len(plan.deletable), CHUNK):
        chunk = plan.deletable[start : start + CHUNK]
        names = {
            pk: _name(first, last, email)
            for pk, first, last, email in Contact.objects.filter(pk__in=chunk).values_list(
                "pk", "first_name", "last_name", "email"
            )
        }
        upcoming: dict[int, list[Meeting]] = defaultdict(list)
        for meeting in future_meetings(chunk).select_related("connection"):
            assert meeting.contact_id is not None
            upcoming[meeting.contact_id].append(meeting)
        # Those without future meetings go together; names is what still exists.
        quiet = [pk for pk in chunk if pk in names and not upcoming[pk]]
        Contact.objects.filter(pk__in=quiet).delete()
        outcome.deleted.extend(names[pk] for pk in quiet)
        for pk in chunk:
            if pk not in names or not upcoming[pk]:
                continue
            reason = ""
            try:
                for meeting in upcoming[pk]:
                    reason = _meeting_refusal(user, meeting)
                    if reason:
                        break
                    cancel(meeting, by=user)
                    outcome.cancelled += 1
            except MeetingBusy as exc:
                reason = f"its meeting could not be cancelled: {exc}"
            if reason:
                outcome.refused.append(Refused(pk, names[pk], reason))
                continue
            Contact.objects.filter(pk=pk).delete()
            outcome.deleted.append(names[pk])
    return outcome
