"""``plan(spec)``: the start of every recipient's meeting, or why there is none.

Which zone each mode plans in (issue 3):

* fixed, date-only field values (with ``time_of_day``) and smart scheduling: the action zone,
  ``timing.timezone`` (source ``action``) or, when that is null, ``default_timezone``
  (source ``default``);
* immediate, delay and date-time field values: the first zone the recipient's chain yields.

A fixed time or a field value in the past is skipped, never moved; so is any start out of
the range of meeting times (``bounds``: from 2000 to 10 years after now).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from .bounds import start_problem, start_range
from .bulk import collector_paused
from .chain import NoZone, TimezoneSource, ZoneChoice, choose_zone
from .delay import apply_delay
from .fields import FieldProblem, Instant, LocalDate, format_utc, read_field
from .results import Plan, PlannedMeeting, SkippedRecipient
from .smart import SmartRules, plan_smart_schedule
from .spec import PlanSpec, Recipient, SpecError, Timing
from .zones import DAY, ResolvedTime, load_zone, local_datetime, resolve_local


@dataclass(frozen=True, slots=True)
class _ActionZone:
    zone: ZoneInfo
    source: TimezoneSource


Outcome = PlannedMeeting | SkippedRecipient


def plan(spec: PlanSpec) -> Plan:
    """Plan every recipient of ``spec``: each gets a meeting or a skip, in recipient order.

    Raises ``SpecError`` for settings that cannot work (an unknown action zone, a mode
    without its settings); bad recipient data gives skips instead.
    """
    timing = spec.timing
    action = _action_zone(spec)
    for mode, needed, value in (
        ("delay", "delay", timing.delay),
        ("fixed", "at", timing.at),
        ("field", "field", timing.field),
    ):
        if timing.mode == mode and value is None:
            raise SpecError(f"timing.{needed}", f"required when mode is {mode}")
    if timing.mode == "smart":
        return _plan_smart(spec, action)
    decide = _deciders[timing.mode](spec, action)
    result = Plan()
    earliest, latest = start_range(spec.now)
    for recipient in spec.recipients:
        outcome = decide(recipient)
        if isinstance(outcome, PlannedMeeting) and not earliest <= outcome.start_ts <= latest:
            outcome = _out_of_range(spec, recipient, outcome.start_ts)
        if isinstance(outcome, PlannedMeeting):
            result.meetings.append(outcome)
        else:
            result.skipped.append(outcome)
    return result


def _out_of_range(spec: PlanSpec, recipient: Recipient, start_ts: int) -> SkippedRecipient:
    reason = start_problem(start_ts, spec.now) or "out of range"
    return SkippedRecipient(recipient.id, "date_out_of_range", f"start {reason}")


def _action_zone(spec: PlanSpec) -> _ActionZone:
    if load_zone(spec.default_timezone) is None:
        raise SpecError("default_timezone", f"unknown time zone {spec.default_timezone!r}")
    if spec.timing.timezone is None:
        return _ActionZone(ZoneInfo(spec.default_timezone), "default")
    zone = load_zone(spec.timing.timezone)
    if zone is None:
        raise SpecError("timing.timezone", f"unknown time zone {spec.timing.timezone!r}")
    return _ActionZone(zone, "action")


def _chain_for(spec: PlanSpec) -> Callable[[Recipient], ZoneChoice | NoZone]:
    """The chain walk for a recipient, remembered per (browser, contact) pair."""
    known: dict[tuple[str | None, str | None], ZoneChoice | NoZone] = {}

    def choose(recipient: Recipient) -> ZoneChoice | NoZone:
        pair = (recipient.browser_timezone, recipient.timezone)
        choice = known.get(pair)
        if choice is None:
            choice = known[pair] = choose_zone(
                spec.timezone_chain,
                browser=recipient.browser_timezone,
                contact=recipient.timezone,
                action=spec.timing.timezone,
                default=spec.default_timezone,
            )
        return choice

    return choose


def _meeting(
    spec: PlanSpec,
    recipient: Recipient,
    when: ResolvedTime,
    zone: ZoneInfo,
    source: TimezoneSource,
    notes: tuple[str, ...] = (),
) -> PlannedMeeting:
    return PlannedMeeting(
        recipient.id,
        recipient.host,
        when.ts,
        when.ts + spec.duration_s,
        zone.key,
        source,
        when.adjustment,
        notes + when.notes,
    )


def _not_past(spec: PlanSpec, recipient: Recipient, meeting: PlannedMeeting) -> Outcome:
    if meeting.start_ts < spec.now:
        reason = f"date in the past: {format_utc(meeting.start_ts)}"
        return SkippedRecipient(recipient.id, "date_in_the_past", reason)
    return meeting


def _immediate(spec: PlanSpec, action: _ActionZone) -> Callable[[Recipient], Outcome]:
    chain = _chain_for(spec)

    def decide(recipient: Recipient) -> Outcome:
        choice = chain(recipient)
        if isinstance(choice, NoZone):
            return SkippedRecipient(recipient.id, choice.code, choice.reason)
        trigger = spec.now if recipient.triggered_at is None else recipient.triggered_at
        return _meeting(
            spec, recipient, ResolvedTime(trigger), choice.zone, choice.source, choice.notes
        )

    return decide


def _delayed(spec: PlanSpec, action: _ActionZone) -> Callable[[Recipient], Outcome]:
    chain = _chain_for(spec)
    delay = spec.timing.delay
    assert delay is not None

    def decide(recipient: Recipient) -> Outcome:
        choice = chain(recipient)
        if isinstance(choice, NoZone):
            return SkippedRecipient(recipient.id, choice.code, choice.reason)
        trigger = spec.now if recipient.triggered_at is None else recipient.triggered_at
        when = apply_delay(trigger, delay, choice.zone)
        return _meeting(spec, recipient, when, choice.zone, choice.source, choice.notes)

    return decide


def _fixed(spec: PlanSpec, action: _ActionZone) -> Callable[[Recipient], Outcome]:
    at = spec.timing.at
    assert at is not None
    when = ResolvedTime(at.ts) if isinstance(at, Instant) else resolve_local(at.value, action.zone)

    def decide(recipient: Recipient) -> Outcome:
        meeting = _meeting(spec, recipient, when, action.zone, action.source)
        return _not_past(spec, recipient, meeting)

    return decide


def _from_field(spec: PlanSpec, action: _ActionZone) -> Callable[[Recipient], Outcome]:
    chain = _chain_for(spec)
    name = spec.timing.field
    time_of_day = spec.timing.time_of_day_s
    assert name is not None

    def decide(recipient: Recipient) -> Outcome:
        value = read_field(recipient.fields, name)
        if isinstance(value, FieldProblem):
            return SkippedRecipient(recipient.id, value.code, value.reason)
        if isinstance(value, LocalDate):
            if time_of_day is None:
                reason = (
                    f"field {name} holds only a date ({value.value.isoformat()}) "
                    "and timing.time_of_day is not set"
                )
                return SkippedRecipient(recipient.id, "no_time_of_day", reason)
            wall = datetime.combine(value.value, time()) + timedelta(seconds=time_of_day)
            when = resolve_local(wall, action.zone)
            meeting = _meeting(spec, recipient, when, action.zone, action.source)
            return _not_past(spec, recipient, meeting)
        choice = chain(recipient)
        if isinstance(choice, NoZone):
            return SkippedRecipient(recipient.id, choice.code, choice.reason)
        if isinstance(value, Instant):
            when = ResolvedTime(value.ts)
        else:
            when = resolve_local(value.value, choice.zone)
        meeting = _meeting(spec, recipient, when, choice.zone, choice.source, choice.notes)
        return _not_past(spec, recipient, meeting)

    return decide


_deciders: dict[str, Callable[[PlanSpec, _ActionZone], Callable[[Recipient], Outcome]]] = {
    "immediate": _immediate,
    "delay": _delayed,
    "fixed": _fixed,
    "field": _from_field,
}


def smart_rules(spec: PlanSpec) -> tuple[SmartRules, list[str]]:
    """The smart rules ``spec`` asks for, and notes about how its start was read."""
    timing: Timing = spec.timing
    zone = _action_zone(spec).zone
    notes: list[str] = []
    start = spec.now
    if isinstance(timing.start, Instant):
        start = timing.start.ts
    elif timing.start is not None:
        resolved = resolve_local(timing.start.value, zone)
        start = resolved.ts
        notes.extend(f"timing.start: {note}" for note in resolved.notes)
    if start < spec.now:
        notes.append(
            f"timing.start {local_datetime(start, zone).isoformat()} is in the past; "
            f"planning from now, {local_datetime(spec.now, zone).isoformat()}"
        )
    window = timing.window
    try:
        rules = SmartRules(
            zone=zone,
            first_candidate=max(start, spec.now),
            duration_s=spec.duration_s,
            gap_s=timing.gap_s,
            window_from_s=0 if window is None else window.from_s,
            window_to_s=DAY if window is None else window.to_s,
            weekdays=timing.weekdays,
            max_per_day=timing.max_per_host_per_day,
            horizon_days=timing.horizon_days,
        )
    except ValueError as error:  # only reachable through the typed API; parse_spec checks
        raise SpecError("timing", str(error)) from error
    return rules, notes


def _plan_smart(spec: PlanSpec, action: _ActionZone) -> Plan:
    rules, notes = smart_rules(spec)
    recipients = spec.recipients
    starts = plan_smart_schedule(
        [recipient.host for recipient in recipients],
        rules,
        spec.busy,
        per_host=spec.timing.per_host,
    )
    result = Plan(notes=notes)
    meetings, skipped = result.meetings, result.skipped
    duration, zone_name, source = spec.duration_s, action.zone.key, action.source
    reason = f"no slot within {rules.horizon_days} days"
    earliest, latest = start_range(spec.now)
    with collector_paused():
        placed = _all_placed(starts, earliest, latest)
        if placed is not None:
            # Every recipient got a slot in range (the usual case): one comprehension, about
            # twice as fast as the loop below for a million meetings.
            result.meetings = [
                PlannedMeeting(
                    recipient.id, recipient.host, start, start + duration, zone_name, source
                )
                for recipient, start in zip(recipients, placed, strict=True)
            ]
            return result
        for recipient, start in zip(recipients, starts, strict=True):
            if start is None:
                skipped.append(SkippedRecipient(recipient.id, "no_slot", reason))
            elif not earliest <= start <= latest:
                skipped.append(_out_of_range(spec, recipient, start))
            else:
                meetings.append(
                    PlannedMeeting(
                        recipient.id, recipient.host, start, start + duration, zone_name, source
                    )
                )
    return result


def _all_placed(starts: list[int | None], earliest: int, latest: int) -> list[int] | None:
    """``starts`` when every one is a start from ``earliest`` to ``latest``, else None."""
    if not starts or None in starts:
        return None
    placed = cast(list[int], starts)
    return placed if earliest <= min(placed) and max(placed) <= latest else None
