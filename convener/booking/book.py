"""Making, moving and cancelling a booking.

A booking is saved with its hosts' quarter hours held (`HostHold`), so of two visitors on
the same slot exactly one gets it: the database refuses the other's holds and they are
told the time has just been taken. Then the booking's meeting is made through the
trigger seam, with TriggerRef(BOOKING, page, booking reference): a retried request makes
no second meeting. Moving and cancelling go through scheduling's lifecycle, as every
meeting's edits do, so the provider and the invitations follow.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from convener.booking import availability, links, retry
from convener.booking.models import Booking, BookingPage, BookingStatus, HostHold, PageKind, cells
from convener.booking.slots import pick_round_robin
from convener.crm.models import Contact
from convener.intake.upsert import upsert_contact
from convener.intake.values import read_values
from convener.meetings.models import CredentialsPolicy, MeetingAction, TimingMode
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling import lifecycle
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.request import FixedStart, ScheduleRequest
from convener.scheduling.schedule import schedule
from convener.team.models import User

log = logging.getLogger(__name__)


ATTEMPTS = 3


class SlotTaken(Exception):
    """The time is no longer free (taken a moment ago, or never was)."""


@dataclass(frozen=True)
class Visitor:
    name: str
    email: str
    timezone: str
    answers: list[tuple[str, str]]


def _literal(text: str) -> str:
    """Text of the page's owner as a template that renders as itself."""
    return text.replace("{{", '{{ "{{" }}')


def _split_name(name: str) -> dict[str, str]:
    first, _, last = name.strip().partition(" ")
    return {"first_name": first, "last_name": last}


def _holding(page: BookingPage, host_id: int) -> list[int]:
    """The hosts a booking takes: all of a collective page's, else its one host."""
    if page.kind == PageKind.COLLECTIVE:
        return page.host_ids()
    return [host_id]


def _hold(booking: Booking, host_ids: list[int]) -> None:
    HostHold.objects.bulk_create(
        HostHold(host_id=pk, cell=cell, booking=booking)
        for pk in host_ids
        for cell in cells(booking.start, booking.end)
    )


def _choose_host(page: BookingPage, free: list[int], contact: Contact | None) -> int:
    if page.kind == PageKind.PERSONAL:
        return page.owner_id
    if page.kind == PageKind.COLLECTIVE:
        return page.owner_id if page.owner_id in free else free[0]
    preferred = contact.owner_id if contact is not None and page.prefer_contact_owner else None
    return pick_round_robin(free, availability.last_booked(page, free), preferred=preferred)


def book(
    page: BookingPage,
    start: datetime,
    duration_minutes: int,
    visitor: Visitor,
    request_key: str,
    *,
    now: datetime | None = None,
) -> Booking:
    """The booking of `start` for the visitor; SlotTaken when it is not free. The same
    `request_key` again (a double click, a retried post) returns the first booking."""
    existing = Booking.objects.filter(request_key=request_key, page=page).first()
    if existing is not None:
        return existing
    known = Contact.objects.with_email(visitor.email).first()
    # A round-robin page may lose its chosen host to a concurrent booking while another
    # host is still free: ask again, a few times, before saying the time is gone.
    for _ in range(ATTEMPTS):
        free = availability.free_at(page, start, duration_minutes, now=now)
        if not free:
            raise SlotTaken()
        host_id = _choose_host(page, free, known)
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    page=page,
                    request_key=request_key,
                    host_id=host_id,
                    start=start,
                    end=start + timedelta(minutes=duration_minutes),
                    visitor_timezone=visitor.timezone,
                    name=visitor.name,
                    email=visitor.email,
                    answers=[list(a) for a in visitor.answers],
                )
                _hold(booking, _holding(page, host_id))
        except IntegrityError:
            again = Booking.objects.filter(request_key=request_key, page=page).first()
            if again is not None:
                return again
            continue
        break
    else:
        raise SlotTaken()
    _make_meeting(page, booking)
    return booking


def _contact_for(page: BookingPage, booking: Booking) -> Contact:
    values = read_values(
        {"email": booking.email, **_split_name(booking.name), "timezone": booking.visitor_timezone}
    )
    if values.problems:  # a zone the importer does not take: keep the rest
        values = read_values({"email": booking.email, **_split_name(booking.name)})
    return upsert_contact(values, default_owner_id=booking.host_id or page.owner_id).contact


def _action(page: BookingPage, booking: Booking) -> MeetingAction:
    """The page's meeting settings for this booking, unsaved: its host is the one the
    booking went to, whose account hosts; never another provider."""
    description = page.description.strip()
    answers = "\n".join(f"{q}: {a}" for q, a in booking.answers if a)
    manage = links.manage_url(str(booking.reference))
    text = "\n\n".join(
        part for part in (description, answers, f"To reschedule or cancel: {manage}") if part
    )
    return MeetingAction(
        name=page.title,
        provider=page.provider,
        credentials=CredentialsPolicy.NAMED_USER,
        named_user_id=booking.host_id,
        # The organization's account of the same provider when the host has none; the
        # meeting says so (its host note). Never another provider.
        fallback=CredentialsPolicy.ORGANIZATION,
        title_template=_literal(f"{page.title}: ") + "{{ contact.name }}",
        description_template=_literal(text),
        duration_minutes=int((booking.end - booking.start).total_seconds() // 60),
        timing={"mode": TimingMode.FIXED},
        timezone=booking.visitor_timezone,
        send_invitations=True,
        include_attendees=True,
        created_by_id=page.owner_id,
    )


def _make_meeting(page: BookingPage, booking: Booking) -> None:
    contact = _contact_for(page, booking)
    hosts = list(User.objects.filter(pk__in=_holding(page, booking.host_id or page.owner_id)))
    request = ScheduleRequest(
        action=_action(page, booking),
        contact_ids=[contact.pk],
        trigger=TriggerRef(TriggerKind.BOOKING, str(page.pk), booking.reference.hex),
        start=FixedStart(booking.start, booking.visitor_timezone),
        internal_attendees=hosts,  # the hosts get the invitation: that is their notice
        browser_timezone=booking.visitor_timezone,
    )
    problem = ""
    meeting_id = None
    try:
        outcome = schedule(request)
        meeting_id = outcome.meeting_ids[0] if outcome.meeting_ids else None
        if outcome.skipped:
            problem = outcome.skipped[0].reason
    except NoUsableConnection as missing:
        # The booking stands (the time is the visitor's); the host is told what to
        # connect, and the meeting is tried again on its own (convener.booking.retry).
        problem = str(missing)
    except Exception:
        # Nor does an error of ours lose the visitor's time: said, and tried again.
        log.exception("booking %s: its meeting could not be made", booking.pk)
        problem = "The meeting could not be made because of an error on our side."
    if meeting_id is None and not problem:
        problem = "The meeting could not be made."
    attempts, next_attempt = retry.after_attempt(booking, made=meeting_id is not None)
    Booking.objects.filter(pk=booking.pk).update(
        contact=contact,
        meeting_id=meeting_id,
        problem=problem,
        meeting_attempts=attempts,
        next_meeting_attempt=next_attempt,
    )
    booking.contact, booking.meeting_id, booking.problem = contact, meeting_id, problem
    booking.meeting_attempts, booking.next_meeting_attempt = attempts, next_attempt


def make_meeting_again(booking: Booking) -> None:
    """For a booking whose meeting could not be made (the host connected an account
    since, or its next try is due): the same trigger reference, so at most one meeting."""
    if booking.meeting_id is None and booking.live:
        _make_meeting(booking.page, booking)


def reschedule(booking: Booking, start: datetime, *, now: datetime | None = None) -> Booking:
    """Move the booking to `start` (same duration, same host); SlotTaken when that time
    is not free. The meeting follows, and its invitations with SEQUENCE+1."""
    page = booking.page
    duration = int((booking.end - booking.start).total_seconds() // 60)
    free = availability.free_at(page, start, duration, now=now, ignore_booking=booking)
    holding = _holding(page, booking.host_id or page.owner_id)
    if not set(holding) <= set(free):
        raise SlotTaken()
    try:
        with transaction.atomic():
            HostHold.objects.filter(booking=booking).delete()
            booking.start, booking.end = start, start + timedelta(minutes=duration)
            booking.save(update_fields=["start", "end", "updated_at"])
            _hold(booking, holding)
    except IntegrityError:
        booking.refresh_from_db()
        raise SlotTaken() from None
    if booking.meeting is not None:
        lifecycle.reschedule(booking.meeting, start=start)
    return booking


def cancel(booking: Booking) -> Booking:
    """Cancel the booking: its time is free again, the meeting is cancelled at the
    provider and every attendee gets a CANCEL."""
    with transaction.atomic():
        HostHold.objects.filter(booking=booking).delete()
        booking.status = BookingStatus.CANCELLED
        booking.next_meeting_attempt = None  # a cancelled booking wants no meeting
        booking.save(update_fields=["status", "next_meeting_attempt", "updated_at"])
    if booking.meeting is not None:
        lifecycle.cancel(booking.meeting)
    return booking


def next_free(
    page: BookingPage, duration_minutes: int, after: datetime, count: int = 3
) -> list[datetime]:
    """The next free starts after `after`, offered to the visitor who lost a race."""
    times = availability.page_times(page, duration_minutes)
    return times.first_free(after + timedelta(microseconds=1), count) or times.first_free(
        times.now, count
    )
