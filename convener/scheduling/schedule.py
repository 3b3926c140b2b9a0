"""The pipeline's entry: every trigger builds a ScheduleRequest and calls `schedule`.

trigger -> ScheduleRequest -> plan (timeplan) -> choose account -> Meeting rows (one
transaction; a large launch in the background, one per chunk) -> lanes nudged on commit ->
the dispatcher creates links -> invitations.

`schedule` streams: contacts are read in chunks twice (to plan, then to save), and only a
few small values per recipient are kept in between, so scheduling a hundred thousand
contacts needs memory for the plan, not for a hundred thousand model objects.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from convener import timeplan
from convener.crm.models import Contact
from convener.db.writes import insert_many
from convener.dispatch.parking import waiting_reason
from convener.dispatch.tasks import enqueue_lanes
from convener.meetings.models import (
    Attendee,
    CredentialsPolicy,
    Meeting,
    MeetingAction,
    MeetingState,
)
from convener.meetings.state import lane_for
from convener.plaintext import one_line
from convener.providers.registry import provider_class
from convener.scheduling import placeholders
from convener.scheduling.accounts import (
    AccountChoice,
    NoUsableConnection,
    choose_account,
    usable_connections,
)
from convener.scheduling.request import ScheduleOutcome, ScheduleRequest, Skip
from convener.team import access
from convener.team.models import User

CHUNK = 1000


@dataclass(slots=True)
class _Choice:
    """What pass one keeps of a recipient: who hosts, through which connection, and (for
    `schedule`) the meeting's title and description, rendered before the write begins."""

    connection_id: int | None
    host_id: int | None
    title: str = ""
    description: str = ""
    # The account needs reconnecting: the meeting is saved waiting for it, with `waiting`
    # as its reason.
    waiting: str = ""
    host_note: str = ""


def _contacts(ids: Sequence[int]) -> Iterator[Contact]:
    """The contacts of `ids` in that order, each with its owner. A team has few owners
    and many contacts, so each owner is read once and shared by all their contacts:
    joining the owner into every row built a User object per contact, which was most of
    the time a preview of ten thousand contacts took."""
    owners: dict[int, User] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = Contact.objects.in_bulk(chunk)
        unknown = {c.owner_id for c in found.values() if c.owner_id is not None} - owners.keys()
        if unknown:
            owners.update(User.objects.in_bulk(unknown))
        for pk in chunk:
            contact = found.get(pk)
            if contact is not None:
                if contact.owner_id is not None:
                    # Set as Django's own join would, without a query per contact.
                    Contact.owner.field.set_cached_value(contact, owners.get(contact.owner_id))
                yield contact


def placeholder_values(contact: Contact, host: User | None, provider: str) -> dict[str, str]:
    """What each placeholder of a title or description stands for, for one meeting."""
    owner = contact.owner
    values = {
        "contact.name": contact.name,
        "contact.first_name": contact.first_name,
        "contact.last_name": contact.last_name,
        "contact.email": contact.email,
        "contact.company": contact.company,
        "owner.name": owner.display_name if owner else "",
        "owner.email": owner.email if owner else "",
        "host.name": host.display_name if host else "",
        "host.email": host.email if host else "",
        "provider.name": provider,
    }
    for key, value in (contact.fields or {}).items():
        values[f"{placeholders.FIELD_PREFIX}{key}"] = "" if value is None else str(value)
    return values


class _Texts:
    """An action's title and description templates, parsed once per request. A template
    without placeholders is rendered once, and every meeting shares that one string."""

    def __init__(self, action: MeetingAction) -> None:
        self.provider = provider_class(action.provider).name
        self.title = placeholders.parse(action.title_template)
        self.description = placeholders.parse(action.description_template)
        self.fixed_title = self._fixed(self.title)
        self.fixed_description = self._fixed(self.description)

    @staticmethod
    def _fixed(parts: tuple[placeholders.Part, ...]) -> str | None:
        if any(isinstance(part, placeholders.Placeholder) for part in parts):
            return None
        return placeholders.render(parts, {})

    def render(self, contact: Contact, host: User | None) -> tuple[str, str]:
        title, description = self.fixed_title, self.fixed_description
        if title is None or description is None:
            values = placeholder_values(contact, host, self.provider)
            if title is None:
                title = placeholders.render(self.title, values)
            if description is None:
                description = placeholders.render(self.description, values)
        return title.strip()[:300] or "Meeting", description.strip()


def timing_document(request: ScheduleRequest) -> tuple[dict[str, object], list[str]]:
    """The action's timing and zone chain in the planner's shape; a fixed start in the
    request takes their place, read in the zone that came with it."""
    action, start = request.action, request.start
    if start is None:
        timing = dict(action.timing or {"mode": "immediate"})
        timing["timezone"] = action.timezone or None
        return timing, action.chain
    if start.at.utcoffset() is not None:
        # An instant stays one: the planner reads it with its offset, in any zone.
        at = start.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        at = start.at.strftime("%Y-%m-%dT%H:%M")
    return {"mode": "fixed", "at": at, "timezone": start.timezone}, ["action", "default"]


def _timing_spec(request: ScheduleRequest, now: datetime) -> timeplan.PlanSpec:
    timing, chain = timing_document(request)
    return timeplan.parse_spec(
        {
            "now": now.isoformat(),
            "duration_minutes": request.action.duration_minutes,
            "timing": timing,
            "timezone_chain": chain,
            "default_timezone": settings.DEFAULT_TIMEZONE,
            "recipients": [],
        }
    )


def plan_one(
    request: ScheduleRequest, *, contact_zone: str | None, fields: dict[str, object]
) -> timeplan.PlannedMeeting | timeplan.SkippedRecipient:
    """When `request`'s action would start a meeting for a contact with this zone and
    these field values, or why it would make none, before the contact is saved: a form
    or a webhook checks a preferred date with it, and says what is wrong next to the
    field. The host is left out: smart scheduling is checked against an empty calendar."""
    recipient = timeplan.Recipient(
        id="checked",
        host="organization",
        timezone=contact_zone or None,
        browser_timezone=request.browser_timezone or None,
        fields=fields,
    )
    spec = dataclasses.replace(
        _timing_spec(request, request.now or timezone.now()), recipients=[recipient]
    )
    plan = timeplan.plan(spec)
    return plan.meetings[0] if plan.meetings else plan.skipped[0]


def _attendees(action: MeetingAction, contact: Contact, internal: list[User]) -> list[Attendee]:
    # A first and a last name of 100 characters each make 201: the column holds 200.
    name = contact.name[:200]
    people = [Attendee(email=contact.email, name=name, kind=Attendee.Kind.CONTACT)]
    seen = {contact.email.lower()}
    for user in internal:
        if user.email and user.email.lower() not in seen:
            seen.add(user.email.lower())
            people.append(
                Attendee(
                    email=user.email, name=user.display_name, kind=Attendee.Kind.INTERNAL, user=user
                )
            )
    for email in action.external_emails or []:
        if email.lower() not in seen:
            seen.add(email.lower())
            people.append(Attendee(email=email, kind=Attendee.Kind.EXTERNAL))
    return people


def plan_recipients(
    request: ScheduleRequest, *, render: bool = False
) -> tuple[timeplan.Plan, dict[int, _Choice], list[Skip]]:
    """Pass one: choose each recipient's account and plan every meeting; with `render`,
    also write each meeting's title and description. A person's request skips the
    contacts they may not change (convener.team.access)."""
    action = request.action
    texts = _Texts(action) if render else None
    per_host = action.credentials != CredentialsPolicy.ORGANIZATION
    pool = usable_connections(action.provider)
    provider_name = provider_class(action.provider).name
    choices: dict[int, _Choice] = {}
    skipped: list[Skip] = []
    recipients: list[timeplan.Recipient] = []
    needs_fields = request.start is None and (action.timing or {}).get("mode") == "field"
    refusal = access.ScheduleRefusals(request.requested_by)
    for contact in _contacts(request.contact_ids):
        refused = refusal(contact)
        if refused:
            skipped.append(Skip(contact.pk, refused, refused=True))
            continue
        try:
            choice: AccountChoice = choose_account(
                action, contact, request.requested_by, connections=pool
            )
        except NoUsableConnection as exc:
            skipped.append(Skip(contact.pk, str(exc)))
            continue
        host = choice.host
        kept = choices[contact.pk] = _Choice(
            choice.connection.pk if choice.connection else None,
            host.pk if host else None,
            waiting=waiting_reason(choice.connection, provider_name)
            if choice.waiting and choice.connection is not None
            else "",
            host_note=choice.note,
        )
        if texts is not None:
            kept.title, kept.description = texts.render(contact, host)
        recipients.append(
            timeplan.Recipient(
                id=str(contact.pk),
                host=f"user-{host.pk}" if (per_host and host) else "organization",
                timezone=contact.timezone or None,
                browser_timezone=request.browser_timezone or None,
                fields=dict(contact.fields or {}) if needs_fields else {},
            )
        )
    spec = dataclasses.replace(
        _timing_spec(request, request.now or timezone.now()), recipients=recipients
    )
    plan = timeplan.plan(spec)
    return plan, choices, skipped


def schedule(
    request: ScheduleRequest,
    *,
    commit_each_chunk: bool = False,
    alive: Callable[[], object] | None = None,
) -> ScheduleOutcome:
    """Plan and save the meetings of a request in one transaction; link creation is nudged
    when it commits. A single recipient without a usable account raises
    NoUsableConnection before anything is saved; in bulk, such recipients are skipped, as
    are those the person may not schedule for (the callers that schedule for one contact
    check that first, and answer 404 or 403).

    With `commit_each_chunk` (a large launch the worker schedules, `scheduling.background`,
    outside any transaction), every CHUNK meetings commit on their own once all are
    planned: the worker makes the first links while the rest are saved, instead of after
    the last, and the database is not held for the whole launch (SQLite has one writer:
    a hundred thousand meetings in one transaction kept every other write waiting for
    tens of seconds). A launch stopped midway is finished by launching the same trigger
    reference again, which makes only what is missing. Inside a caller's transaction the
    chunks commit with it. `alive` is called after each chunk (the worker's sign of life
    on the run)."""
    action = request.action
    # Titles and descriptions are rendered here, before the transaction: nothing that
    # depends on a template's size runs while the database is held for writing.
    plan, choices, skipped = plan_recipients(request, render=True)
    if len(request.contact_ids) == 1 and skipped and not skipped[0].refused:
        raise NoUsableConnection(skipped[0].reason)
    outcome = ScheduleOutcome(skipped=skipped)
    for skip in plan.skipped:
        outcome.skipped.append(Skip(int(skip.id), skip.reason))
    internal = request.team_members()
    hosts = {u.pk: u for u in User.objects.filter(pk__in={c.host_id for c in choices.values()})}
    trigger = request.trigger
    existing: dict[str, int] = {}
    for key, pk in Meeting.objects.filter(trigger_key__startswith=trigger.prefix).values_list(
        "trigger_key", "pk"
    ):
        existing[str(key)] = pk
    saved_action = request.saved_action
    lanes: set[str] = set()
    now = timezone.now()
    planned = {int(m.id): m for m in plan.meetings}
    # One transaction for the whole request, each chunk a savepoint in it; or, with
    # commit_each_chunk, each chunk a transaction of its own whose lanes are nudged as
    # it commits (a lane once: the dispatcher refills a lane with work on its own, and
    # polls for the rest).
    whole = contextlib.nullcontext() if commit_each_chunk else transaction.atomic()
    nudged: set[str] = set()
    with whole:
        order = [pk for pk in request.contact_ids if pk in planned]
        if commit_each_chunk:
            # In one transaction the order makes no difference to the worker, and the
            # outcome lists the meetings in the order they were asked for.
            order = _in_turns(order, choices)
        for start in range(0, len(order), CHUNK):
            batch: list[tuple[Meeting, list[Attendee]]] = []
            for contact in _contacts(order[start : start + CHUNK]):
                item = planned[contact.pk]
                choice = choices[contact.pk]
                host = hosts.get(choice.host_id) if choice.host_id else None
                trigger_key = trigger.meeting_key(contact.pk)
                if trigger_key in existing:
                    outcome.existing_ids.append(existing[trigger_key])
                    continue
                meeting = Meeting(
                    trigger=trigger.kind,
                    trigger_source=trigger.source,
                    trigger_key=trigger_key,
                    action=saved_action,
                    contact=contact,
                    host=host,
                    provider=action.provider,
                    connection_id=choice.connection_id,
                    # One line whatever the contact's data holds: it is an email subject.
                    title=one_line(choice.title)[:300] or "Meeting",
                    description=choice.description,
                    start=item.start,
                    end=item.end,
                    timezone=item.timezone,
                    timezone_source=item.timezone_source,
                    planning_note="; ".join(item.notes)[:200],
                    passcode=action.passcode,
                    requested_passcode=action.passcode,
                    send_invitations=action.send_invitations,
                    created_by=request.requested_by,
                    lane=lane_for(action.provider, choice.connection_id),
                    # Due even when it waits for a reconnect: its first step parks it on
                    # the connection under the connection's lock, so a reconnect that
                    # lands meanwhile cannot miss it (dispatch.parking).
                    next_attempt_at=now,
                    host_note=choice.host_note,
                )
                if choice.waiting:
                    meeting.state = MeetingState.WAITING_CONNECTION
                    meeting.state_reason = choice.waiting
                batch.append((meeting, _attendees(action, contact, internal)))
            # Built before its transaction: with commit_each_chunk, the worker's own writes
            # (its first steps) get the database between two chunks.
            with transaction.atomic():
                _save_batch(batch, outcome, lanes)
                if commit_each_chunk:
                    enqueue_lanes(lanes - nudged)
                    nudged |= lanes
            if alive is not None:
                alive()
        if not commit_each_chunk:
            enqueue_lanes(lanes)
    return outcome


def _in_turns(order: list[int], choices: dict[int, _Choice]) -> list[int]:
    """The contacts in turns over the accounts that host them (each account's in their
    order): the first chunk saved then holds work for every account, and every lane starts
    with it. Contacts come grouped by owner (by list, import or segment); saved in that
    order, a launch of 100,000 contacts over 1,000 hosts left the last hosts' lanes idle
    until the last chunks, tens of seconds later, whatever their pace allowed."""
    by_account: dict[int | None, list[int]] = {}
    for pk in order:
        by_account.setdefault(choices[pk].connection_id, []).append(pk)
    if len(by_account) < 2:
        return order
    turns = itertools.zip_longest(*by_account.values())
    return [pk for turn in turns for pk in turn if pk is not None]


def _save_batch(
    batch: list[tuple[Meeting, list[Attendee]]], outcome: ScheduleOutcome, lanes: set[str]
) -> None:
    if not batch:
        return
    try:
        with transaction.atomic():
            insert_many([m for m, _ in batch])
    except IntegrityError:
        # The same trigger ran concurrently for some of these contacts: save one by one
        # and keep whichever meeting won.
        for meeting, people in batch:
            try:
                with transaction.atomic():
                    meeting.pk = None
                    meeting.save()
            except IntegrityError:
                outcome.existing_ids.append(Meeting.objects.get(trigger_key=meeting.trigger_key).pk)
                people.clear()
                meeting.pk = None
    rows = []
    for meeting, people in batch:
        if meeting.pk is None:
            continue
        for person in people:
            person.meeting = meeting
            rows.append(person)
        outcome.created_ids.append(meeting.pk)
        if meeting.state == MeetingState.WAITING_CONNECTION:
            outcome.waiting_ids.append(meeting.pk)
        lanes.add(meeting.lane)
    insert_many(rows)
