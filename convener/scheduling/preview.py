"""The preview a person sees before a launch: what it would schedule, without saving.

It is the plan `schedule` would make (its first pass: permissions, accounts, the
planner), counted and laid out per host and day. A launch on ten thousand contacts is
previewed in about the time it takes to plan it: every meeting is counted, but only the
first rows of the timeline and the first skips are described with names (read in one
query), and each host's timeline shows its first days in full and sums up the rest.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from convener import timeplan
from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.dispatch.pacing import daily_used
from convener.meetings.models import MeetingAction
from convener.meetings.state import lane_for
from convener.providers.registry import provider_class
from convener.scheduling.request import ScheduleRequest, Skip
from convener.scheduling.schedule import plan_recipients
from convener.team.models import User
from convener.timezones import is_iana_zone

DAYS_PER_HOST = 14  # days of each host's timeline shown in full
ROWS_PER_DAY = 12  # meetings of one day described with names and times
ROWS_DESCRIBED = 300  # meetings described in all, whatever the number of hosts
SKIPS_LISTED = 200  # skipped contacts listed by name; the rest are counted by reason
REASONS_LISTED = 10


@dataclass
class PlannedRow:
    """One meeting as the timeline describes it: who, when, in which zones."""

    contact_id: int
    contact_name: str
    contact_zone: str  # the contact's own zone; "" when not known
    start: datetime  # UTC
    end: datetime
    zone: str  # the zone the meeting is planned in


@dataclass
class Day:
    """One day of a host's timeline, in the host's zone. `spans` places every meeting of
    the day on the strip: minutes from local midnight, and length in minutes."""

    day: date
    count: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None

    @property
    def more(self) -> int:
        """Meetings of the day counted but not described."""
        return self.count - len(self.rows)


@dataclass
class HostPlan:
    host_id: int | None
    name: str
    zone: str  # the host's own zone: the timeline's days and times are in it
    count: int = 0
    days: list[Day] = field(default_factory=list)  # the first DAYS_PER_HOST
    more_days: int = 0  # days with meetings after those
    more_meetings: int = 0
    last_day: date | None = None


@dataclass
class SkipRow:
    contact_id: int
    name: str
    reason: str


@dataclass
class Preview:
    planned: int = 0
    waiting: int = 0  # of the planned: kept waiting for an account to be reconnected
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    first: datetime | None = None
    last: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the plan as a whole
    skips: list[SkipRow] = field(default_factory=list)  # the first SKIPS_LISTED
    hosts: list[HostPlan] = field(default_factory=list)

    @property
    def first_start(self) -> str | None:
        return self.first.isoformat() if self.first else None

    @property
    def last_start(self) -> str | None:
        return self.last.isoformat() if self.last else None

    def as_dict(self) -> dict[str, Any]:
        """The preview as the API answers it."""
        return {
            "planned": self.planned,
            "waiting": self.waiting,
            "skipped": self.skipped,
            "skip_reasons": self.skip_reasons,
            "first_start": self.first_start,
            "last_start": self.last_start,
            "warnings": self.warnings,
            "notes": self.notes,
            "hosts": [
                {
                    "host_id": host.host_id,
                    "name": host.name,
                    "timezone": host.zone,
                    "meetings": host.count,
                    "days": host.more_days + len(host.days),
                }
                for host in self.hosts
            ],
        }


def preview(request: ScheduleRequest) -> Preview:
    """What launching would do, without saving anything: how many meetings, when, who is
    skipped and why, each host's plan day by day, and warnings: a host over the
    provider's daily quota or the action's daily cap, contacts whose host has no usable
    connection."""
    plan, choices, refused = plan_recipients(request)
    action = request.action
    skips = [*refused, *(Skip(int(s.id), s.reason) for s in plan.skipped)]
    result = Preview(
        planned=len(plan.meetings),
        skipped=len(skips),
        skip_reasons=dict(Counter(s.reason for s in skips).most_common(REASONS_LISTED)),
        notes=list(plan.notes),
    )
    meetings = plan.meetings
    if meetings:
        result.first = min(m.start for m in meetings)
        result.last = max(m.start for m in meetings)
    host_of = {contact_id: choice.host_id for contact_id, choice in choices.items()}
    users = User.objects.in_bulk({h for h in host_of.values() if h is not None})
    result.hosts = _timelines(meetings, host_of, users, _fallback_zone(action))
    result.waiting = sum(1 for m in meetings if choices[int(m.id)].waiting)
    result.warnings = [
        *_unhosted(refused),
        *_waiting_for_reconnect(meetings, choices),
        *_hosted_elsewhere(meetings, choices),
        *_over_provider_quota(action, meetings, choices, users),
        *_over_daily_cap(action, result.hosts),
        *_account_problems(choices),
    ]
    _describe(result, skips)
    return result


def _fallback_zone(action: MeetingAction) -> str:
    """The zone of a timeline without a host: the action's, else the default."""
    return action.timezone if is_iana_zone(action.timezone) else str(settings.DEFAULT_TIMEZONE)


def _timelines(
    meetings: list[timeplan.PlannedMeeting],
    host_of: dict[int, int | None],
    users: dict[int, User],
    fallback_zone: str,
) -> list[HostPlan]:
    by_host: dict[int | None, list[timeplan.PlannedMeeting]] = defaultdict(list)
    for meeting in meetings:
        by_host[host_of.get(int(meeting.id))].append(meeting)
    hosts: list[HostPlan] = []
    described = 0
    for host_id, planned in by_host.items():
        user = users.get(host_id) if host_id is not None else None
        zone_name = user.timezone if user and is_iana_zone(user.timezone) else fallback_zone
        host = HostPlan(
            host_id, user.display_name if user else "No host", zone_name, count=len(planned)
        )
        zone = ZoneInfo(zone_name)
        days: dict[date, Day] = {}
        planned.sort(key=lambda m: (m.start_ts, m.id))
        for meeting in planned:
            local = datetime.fromtimestamp(meeting.start_ts, zone)
            on = local.date()
            day = days.get(on)
            if day is None:
                if len(days) >= DAYS_PER_HOST:
                    host.more_meetings += 1
                    if host.last_day != on:
                        host.more_days += 1
                        host.last_day = on
                    continue
                day = days[on] = Day(on, first=meeting.start)
            day.count += 1
            day.last = meeting.start
            minute = local.hour * 60 + local.minute
            length = max(1, (meeting.end_ts - meeting.start_ts) // 60)
            day.spans.append((minute, min(length, 24 * 60 - minute)))
            if len(day.rows) < ROWS_PER_DAY and described < ROWS_DESCRIBED:
                described += 1
                day.rows.append(
                    PlannedRow(
                        int(meeting.id), "", "", meeting.start, meeting.end, meeting.timezone
                    )
                )
        host.days = list(days.values())
        if host.last_day is None and host.days:
            host.last_day = host.days[-1].day
        hosts.append(host)
    hosts.sort(key=lambda h: (h.host_id is None, h.name.lower()))
    return hosts


def _describe(result: Preview, skips: list[Skip]) -> None:
    """Names and zones for the rows shown, read in one query."""
    listed = skips[:SKIPS_LISTED]
    rows = [row for host in result.hosts for day in host.days for row in day.rows]
    wanted = {s.contact_id for s in listed} | {row.contact_id for row in rows}
    contacts = Contact.objects.only("first_name", "last_name", "email", "timezone").in_bulk(wanted)
    for row in rows:
        contact = contacts.get(row.contact_id)
        if contact is not None:
            row.contact_name, row.contact_zone = contact.name, contact.timezone
    for skip in listed:
        contact = contacts.get(skip.contact_id)
        name = contact.name if contact else f"Contact #{skip.contact_id}"
        result.skips.append(SkipRow(skip.contact_id, name, skip.reason))


def _unhosted(refused: Iterable[Skip]) -> list[str]:
    """Contacts no account can host (the person's own refusals are skips, not warnings):
    one warning per reason, which names the account to connect."""
    reasons = Counter(s.reason for s in refused if not s.refused)
    return [
        f"{count} contact{'s' if count != 1 else ''} skipped: {reason}"
        for reason, count in reasons.most_common(REASONS_LISTED)
    ]


def _waiting_for_reconnect(
    meetings: list[timeplan.PlannedMeeting], choices: dict[int, Any]
) -> list[str]:
    """Meetings whose account needs reconnecting: saved, and made after the reconnect."""
    used = Counter(choices[int(m.id)].connection_id for m in meetings if choices[int(m.id)].waiting)
    warnings = []
    for connection in Connection.objects.filter(pk__in=used):
        count = used[connection.pk]
        account = connection.account_email or connection.account_name or "an account"
        warnings.append(
            f"{count} meeting{'s' if count != 1 else ''} will wait: {account} needs "
            "reconnecting on the Connections page; they are made as soon as it is"
        )
    return warnings


def _hosted_elsewhere(
    meetings: list[timeplan.PlannedMeeting], choices: dict[int, Any]
) -> list[str]:
    """Meetings the fallback hosts because the policy's account needs reconnecting."""
    notes = Counter(choices[int(m.id)].host_note for m in meetings if choices[int(m.id)].host_note)
    return [
        f"{count} meeting{'s' if count != 1 else ''}: {note[0].lower()}{note[1:]}"
        for note, count in notes.most_common(REASONS_LISTED)
    ]


def _account_problems(choices: dict[int, Any]) -> list[str]:
    """Accounts the plan would use that reported a missing capability when they were
    connected (a Microsoft account without Teams, an app without its Teams access policy):
    their meetings would fail at the provider, so the preview says it before the launch."""
    used = Counter(choice.connection_id for choice in choices.values() if choice.connection_id)
    if not used:
        return []
    warnings = []
    for connection in Connection.objects.filter(pk__in=used):
        count = used[connection.pk]
        account = connection.account_email or connection.account_name or "an account"
        for problem in connection.problems or []:
            warnings.append(
                f"{count} meeting{'s' if count != 1 else ''} would use {account}, which "
                f"cannot make them yet: {problem}"
            )
    return warnings


def _over_provider_quota(
    action: MeetingAction,
    meetings: list[timeplan.PlannedMeeting],
    choices: dict[int, Any],
    users: dict[int, User],
) -> list[str]:
    """Hosts whose links would take the provider more than one day to make (Zoom: 100
    creates and updates per host per UTC day), counting what today has used already."""
    provider = provider_class(action.provider)
    cap = provider.capabilities.daily_writes_per_host
    if not cap:
        return []
    per_host = Counter(
        (choices[int(m.id)].host_id, choices[int(m.id)].connection_id) for m in meetings
    )
    warnings = []
    for (host_id, connection_id), count in per_host.items():
        user = users.get(host_id) if host_id is not None else None
        used = daily_used(lane_for(action.provider, connection_id), user.email if user else "-")
        if count + used <= cap:
            continue
        days = -(-(count + used) // cap)
        name = user.display_name if user else "The organization account"
        already = f" ({used} used today already)" if used else ""
        warnings.append(
            f"{name}: {count} meetings, more than {provider.name}'s {cap} a day for one "
            f"host{already}; the links take {days} days to create (the rest wait for "
            "quota until 00:00 UTC each day)"
        )
    return warnings


def _over_daily_cap(action: MeetingAction, hosts: list[HostPlan]) -> list[str]:
    """The action's own cap of meetings a day per host. Smart scheduling keeps to it by
    spreading the meetings over more days, which the warning says; other timing modes
    do not spread meetings, so a day over the cap is named."""
    timing = action.timing or {}
    cap = timing.get("max_per_host_per_day")
    if not isinstance(cap, int) or cap < 1:
        return []
    warnings = []
    smart = timing.get("mode") == "smart"
    for host in hosts:
        full = [day for day in host.days if day.count >= cap]
        if smart and full and host.last_day is not None:
            warnings.append(
                f"{host.name} reaches the cap of {cap} meetings a day: "
                f"{host.count} meetings run until {_day(host.last_day)}"
            )
        elif not smart:
            over = [day for day in host.days if day.count > cap]
            if over:
                warnings.append(
                    f"{host.name}: {over[0].count} meetings on {_day(over[0].day)}, more "
                    f"than the action's cap of {cap} a day (only smart scheduling spreads "
                    "meetings to keep to it)"
                )
    return warnings


def _day(on: date) -> str:
    return f"{on:%a} {on.day} {on:%b} {on.year}"
