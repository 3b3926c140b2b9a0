"""The rules of a dynamic segment: their JSON shape, its validation, and the query it means.

The shape, stored in Segment.rules and sent through the API as it is::

    {"groups": [
        {"conditions": [
            {"field": "fields.renewal", "operator": "in_next_days", "value": 30},
            {"field": "company", "operator": "is", "value": "Acme"}
        ]},
        {"conditions": [{"field": "upcoming_meeting", "operator": "no"}]}
    ]}

A contact is a member when it meets **every** condition of **at least one** group: the
groups are ORed, the conditions of a group ANDed. One level is enough to say
"(A and B) or C", and it is the one level the rule builder shows.

`parse` checks a document against the fields that exist now (the contact's own and the
custom fields) and returns `Rules`, whose `document()` is the canonical JSON to store;
every problem is reported at once, each naming the group, the condition and the field
at fault. `to_q` turns Rules into one Django Q on Contact. Dates are read in the
segment's zone and "within the next N days" counts from `now`, both given at evaluation:
membership is a query, always current, never stored.

Custom field values live in Contact.fields as JSON scalars (convener.crm.fields): dates
as ISO strings, which compare as text; date-times as written (a wall time, or with an
offset), compared on their first 16 characters; numbers as JSON numbers, cast to a float
only where the value is a number, so a stray text value never breaks the query on
PostgreSQL. Both databases read the same rules the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Concat, Replace, Substr, Trim
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    IExact,
    In,
    IsNull,
    IStartsWith,
    LessThan,
    LessThanOrEqual,
    Range,
)

from convener.meetings.models import Meeting, MeetingState
from convener.plaintext import single_line_error
from convener.segments.catalog import (
    CUSTOM_PREFIX,
    KIND_WORDS,
    OPERATORS,
    STANDARD_FIELDS,
    FieldSpec,
    Kind,
    Operator,
    Takes,
    field_catalog,
    operator_of,
)
from convener.segments.jsonvalues import NUMBER, STRING, JSONText, JSONType
from convener.team import access
from convener.team.models import User

GROUPS_MAX = 20
CONDITIONS_MAX = 20  # per group
TEXT_VALUE_MAX = 200
DAYS_MAX = 3650
YEARS = (1000, 9998)


# -- the parsed rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    field: FieldSpec
    operator: Operator
    # Normalised: str, int, float, date, a naive datetime (a wall time in the segment's
    # zone, to the minute), or None when the operator takes nothing.
    value: Any

    def document(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, date):
            value = value.isoformat()
        found: dict[str, Any] = {"field": self.field.name, "operator": self.operator.name}
        if self.operator.takes is not Takes.NOTHING:
            found["value"] = value
        return found

    def phrase(self) -> str:
        """The condition in words: "Renewal is within the next 30 days"."""
        label = self.operator.label
        if self.field.kind is Kind.MEETINGS:
            return label[:1].upper() + label[1:]
        value = self.document().get("value")
        if "…" in label:
            return f"{self.field.label} {label.replace('…', str(value))}"
        if value is None:
            return f"{self.field.label} {label}"
        if self.operator.takes in (Takes.TEXT, Takes.USERNAME):
            value = f"“{value}”"
        return f"{self.field.label} {label} {value}"


@dataclass(frozen=True)
class Rules:
    groups: tuple[tuple[Condition, ...], ...]

    def document(self) -> dict[str, Any]:
        return {"groups": [{"conditions": [c.document() for c in group]} for group in self.groups]}

    def fields(self) -> set[str]:
        return {c.field.name for group in self.groups for c in group}


@dataclass(frozen=True)
class Problem:
    path: str  # where in the document: "groups.0.conditions.1.value"
    message: str  # for a person: "Group 1, condition 2 (Renewal): ..."


class RulesError(ValueError):
    """The rules cannot be read; `problems` names each rule at fault."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

    def message_dict(self, prefix: str = "rules") -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for problem in self.problems:
            path = f"{prefix}.{problem.path}" if problem.path else prefix
            found.setdefault(path, []).append(problem.message)
        return found


# -- parsing -------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, message: str, part: str = "value") -> None:
        super().__init__(message)
        self.message = message
        self.part = part


def _text(value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _Refused("give a text value")
    text = str(value).strip()
    if not text:
        raise _Refused("give a value (or choose “is empty”)")
    if len(text) > TEXT_VALUE_MAX:
        raise _Refused(f"the value has {len(text)} characters; at most {TEXT_VALUE_MAX}")
    if problem := single_line_error(text):
        raise _Refused(f"the value {problem}")
    return text


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise _Refused(f"{value!r} is not a number")
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise _Refused(f"{value} is too large a number")
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities
            raise _Refused(f"{value!r} is not a number")
        return value
    text = str(value).strip() if isinstance(value, str) else ""
    try:
        number = float(text)
    except ValueError:
        raise _Refused(f"{_shown(value)} is not a number; write it like 42 or 3.5") from None
    if number != number or abs(number) > 2**53:
        raise _Refused(f"{_shown(value)} is not a number; write it like 42 or 3.5")
    return int(number) if number.is_integer() and "." not in text else number


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value[:60]}”"
    return text


def _date(value: Any) -> date:
    try:
        if not isinstance(value, str) or len(value.strip()) != 10:
            raise ValueError
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise _Refused(f"{_shown(value)} is not a date; write it like 2026-12-03") from None
    return _within_years(day)


def _within_years(day: date) -> date:
    # A day's midnight must be an instant in every zone, and the day after it a day.
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise _Refused(f"give a date in the years {YEARS[0]} to {YEARS[1]}, not {day.isoformat()}")
    return day


def _moment(value: Any) -> date | datetime:
    """A day, or a local date and time to the minute (read in the segment's zone)."""
    if isinstance(value, str) and len(value.strip()) == 10:
        return _date(value)
    try:
        if not isinstance(value, str):
            raise ValueError
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Refused(
            f"{_shown(value)} is not a date or a date and time; write it like 2026-12-03 "
            "or 2026-12-03T15:00"
        ) from None
    if moment.utcoffset() is not None:
        raise _Refused(
            f"{_shown(value)} has a UTC offset; write the local date and time, like "
            "2026-12-03T15:00: it is read in the segment's time zone"
        )
    _within_years(moment.date())
    return moment.replace(second=0, microsecond=0)


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _Refused(f"{_shown(value)} is not a number of days")
    try:
        days = int(str(value).strip())
    except ValueError:
        raise _Refused(f"{_shown(value)} is not a whole number of days") from None
    if not 0 <= days <= DAYS_MAX:
        raise _Refused(f"give a number of days from 0 to {DAYS_MAX}, not {days}")
    return days


def _username(value: Any) -> str:
    name = _text(value)
    if not User.objects.filter(username=name).exists():
        raise _Refused(f"there is no team member named {_shown(name)}")
    return name


_READERS = {
    Takes.TEXT: _text,
    Takes.NUMBER: _number,
    Takes.DATE: _date,
    Takes.MOMENT: _moment,
    Takes.DAYS: _days,
    Takes.USERNAME: _username,
}


def _condition(item: Any, catalog: dict[str, FieldSpec]) -> Condition:
    if not isinstance(item, dict):
        raise _Refused("a condition is an object with field, operator and value", "")
    name = item.get("field")
    spec = catalog.get(name) if isinstance(name, str) else None
    if spec is None:
        choices = ", ".join(s.name for s in STANDARD_FIELDS)
        if isinstance(name, str) and name.startswith(CUSTOM_PREFIX):
            raise _Refused(
                f"there is no custom field {_shown(name.removeprefix(CUSTOM_PREFIX))}", "field"
            )
        missing = "choose a field" if name in (None, "") else f"there is no field {_shown(name)}"
        raise _Refused(
            f"{missing}; use one of {choices}, or fields.<key> for a custom field", "field"
        )
    op_name = item.get("operator")
    operator = operator_of(spec, op_name) if isinstance(op_name, str) else None
    if operator is None:
        names = ", ".join(op.name for op in OPERATORS[spec.kind])
        wrong = (
            "choose an operator"
            if op_name in (None, "")
            else f"{_shown(op_name)} is not an operator for {KIND_WORDS[spec.kind]}"
        )
        raise _Refused(f"{wrong}; use one of {names}", "operator")
    if operator.takes is Takes.NOTHING:
        return Condition(spec, operator, None)
    if item.get("value") is None:
        raise _Refused("give a value")
    return Condition(spec, operator, _READERS[operator.takes](item["value"]))


def _where(group: int, condition: int, item: Any, catalog: dict[str, FieldSpec]) -> str:
    where = f"Group {group + 1}, condition {condition + 1}"
    name = item.get("field") if isinstance(item, dict) else None
    spec = catalog.get(name) if isinstance(name, str) else None
    if spec is not None:
        operator = operator_of(spec, str(item.get("operator")))
        return f"{where} ({spec.label}{f' {operator.label}' if operator else ''})"
    return where


def parse(document: Any, catalog: dict[str, FieldSpec] | None = None) -> Rules:
    """`document` checked against the fields that exist now; RulesError names every rule
    at fault (an unknown field, an operator the field does not have, a bad value)."""
    catalog = field_catalog() if catalog is None else catalog
    if not isinstance(document, dict) or not isinstance(document.get("groups"), list):
        raise RulesError(
            [Problem("groups", 'The rules are {"groups": [{"conditions": [...]}, ...]}.')]
        )
    raw_groups = document["groups"]
    problems: list[Problem] = []
    if not raw_groups:
        problems.append(Problem("groups", "Add at least one condition."))
    if len(raw_groups) > GROUPS_MAX:
        problems.append(Problem("groups", f"At most {GROUPS_MAX} groups."))
    groups: list[tuple[Condition, ...]] = []
    for g, raw in enumerate(raw_groups[:GROUPS_MAX]):
        items = raw.get("conditions") if isinstance(raw, dict) else None
        if not isinstance(items, list) or not items:
            problems.append(
                Problem(f"groups.{g}.conditions", f"Group {g + 1} has no condition: add one.")
            )
            continue
        if len(items) > CONDITIONS_MAX:
            problems.append(
                Problem(
                    f"groups.{g}.conditions",
                    f"Group {g + 1} has {len(items)} conditions; at most {CONDITIONS_MAX}.",
                )
            )
        conditions = []
        for c, item in enumerate(items[:CONDITIONS_MAX]):
            try:
                conditions.append(_condition(item, catalog))
            except _Refused as refused:
                path = f"groups.{g}.conditions.{c}" + (f".{refused.part}" if refused.part else "")
                where = _where(g, c, item, catalog)
                problems.append(Problem(path, f"{where}: {refused.message}."))
        groups.append(tuple(conditions))
    if problems:
        raise RulesError(problems)
    return Rules(tuple(groups))


# -- the query -----------------------------------------------------------------------------


def _when_type(key: str, types: list[str], then: Any, output: Any) -> Case:
    return Case(
        When(In(JSONType(key), types), then=then),
        default=Value(None, output_field=output),
        output_field=output,
    )


def _custom_text(key: str) -> Combinable:
    return _when_type(key, STRING + NUMBER, JSONText(key), CharField())


def _custom_number(key: str) -> Combinable:
    # The cast runs only where the value is a JSON number: PostgreSQL would refuse to
    # cast text, and CASE is the one place where it evaluates in order.
    return _when_type(key, NUMBER, Cast(JSONText(key), FloatField()), FloatField())


def _custom_date(key: str, length: int) -> Combinable:
    """The first `length` characters of a date or date-time string value ("T" between the
    date and the time, however it was written), else NULL."""
    text: Combinable = JSONText(key)
    if length > 10:
        text = Replace(text, Value(" "), Value("T"))
    return _when_type(key, STRING, Substr(text, 1, length), CharField())


def _custom_missing(key: str) -> Q:
    kind = JSONType(key)
    return Q(IsNull(kind, True)) | Q(In(JSONType(key), ["null"]))


def _column(spec: FieldSpec) -> Combinable:
    if spec.name == "name":
        return Trim(Concat(F("first_name"), Value(" "), F("last_name"), output_field=CharField()))
    return F(spec.name)


def _or_missing(condition: Q, lhs: Combinable) -> Q:
    """The negation of `condition`, where a contact without a value counts as not
    meeting it ("company is not Acme" holds for a contact with no company)."""
    return ~condition | Q(IsNull(lhs, True))


def _text_q(op: str, lhs: Combinable, value: Any) -> Q:
    empty = Q(IsNull(lhs, True)) | Q(Exact(lhs, ""))
    match op:
        case "is":
            return Q(IExact(lhs, value))
        case "is_not":
            return _or_missing(Q(IExact(lhs, value)), lhs)
        case "contains":
            return Q(IContains(lhs, value))
        case "not_contains":
            return _or_missing(Q(IContains(lhs, value)), lhs)
        case "starts_with":
            return Q(IStartsWith(lhs, value))
        case "is_empty":
            return empty
        case "is_not_empty":
            return ~empty
    raise AssertionError(op)


def _number_q(op: str, lhs: Combinable, value: float | None) -> Q:
    value = None if value is None else float(value)
    match op:
        case "eq":
            return Q(Exact(lhs, value))
        case "ne":
            return _or_missing(Q(Exact(lhs, value)), lhs)
        case "lt":
            return Q(LessThan(lhs, value))
        case "lte":
            return Q(LessThanOrEqual(lhs, value))
        case "gt":
            return Q(GreaterThan(lhs, value))
        case "gte":
            return Q(GreaterThanOrEqual(lhs, value))
        case "is_empty":
            return Q(IsNull(lhs, True))
        case "is_not_empty":
            return Q(IsNull(lhs, False))
    raise AssertionError(op)


@dataclass(frozen=True)
class _Span:
    """[start, end) in days or in minutes (dates, or naive datetimes read in the segment's
    zone); either end may be open (None)."""

    start: date | None = None
    end: date | None = None


class _Clock:
    """Days and minutes of the segment's zone, as the values a field compares: instants
    for Created, ISO text for custom values."""

    def __init__(self, now: datetime, zone: str, *, instants: bool) -> None:
        self.zone = ZoneInfo(zone)
        self.today = now.astimezone(self.zone).date()
        self.instants = instants

    def value(self, moment: date) -> Any:
        """The start of a day (its midnight in the zone) or of a minute."""
        if isinstance(moment, datetime):
            if self.instants:
                return moment.replace(tzinfo=self.zone).astimezone(UTC)
            return moment.strftime("%Y-%m-%dT%H:%M")
        if self.instants:
            return datetime.combine(moment, time(0), self.zone).astimezone(UTC)
        return moment.isoformat()

    def q(self, span: _Span, lhs: Combinable) -> Q:
        if span.start is not None and span.end is not None and not self.instants:
            # Text compares in one BETWEEN: SQLite reads the value (a JSON lookup) once.
            unit = timedelta(minutes=1) if isinstance(span.end, datetime) else timedelta(days=1)
            return Q(Range(lhs, (self.value(span.start), self.value(span.end - unit))))
        condition = Q()
        if span.start is not None:
            condition &= Q(GreaterThanOrEqual(lhs, self.value(span.start)))
        if span.end is not None:
            condition &= Q(LessThan(lhs, self.value(span.end)))
        return condition


def _day_span(op: str, value: Any, today: date) -> _Span:
    one = timedelta(days=1)
    if op == "in_next_days":
        return _Span(today, today + timedelta(days=value) + one)
    if op == "in_last_days":
        return _Span(today - timedelta(days=value), today + one)
    after = value + (timedelta(minutes=1) if isinstance(value, datetime) else one)
    return {
        "on": _Span(value, after),
        "before": _Span(end=value),
        "after": _Span(start=after),
        "on_or_before": _Span(end=after),
        "on_or_after": _Span(start=value),
    }[op]


def _day_q(spec: FieldSpec, op: str, value: Any, now: datetime, zone: str) -> Q:
    if not spec.custom:  # Created: an instant
        if op in ("is_empty", "is_not_empty"):
            return Q(IsNull(F(spec.name), op == "is_empty"))
        clock = _Clock(now, zone, instants=True)
        return clock.q(_day_span(op, value, clock.today), F(spec.name))
    if op in ("is_empty", "is_not_empty"):
        # Dates are strings; anything else, or "", is no date.
        empty = Q(IsNull(_custom_date(spec.key, 10), True)) | Q(
            Exact(_custom_date(spec.key, 10), "")
        )
        return empty if op == "is_empty" else ~empty
    # Days compare on the date part; a date and time to the minute on "YYYY-MM-DDTHH:MM".
    length = 16 if isinstance(value, datetime) else 10
    clock = _Clock(now, zone, instants=False)
    return clock.q(_day_span(op, value, clock.today), _custom_date(spec.key, length))


def _is_boolean(key: str, value: bool) -> Q:
    # SQLite's JSON_TYPE names the value itself ("true", "false"); PostgreSQL's
    # jsonb_typeof says "boolean", and ->> writes the value.
    word = "true" if value else "false"
    return Q(In(JSONType(key), [word])) | (
        Q(In(JSONType(key), ["boolean"])) & Q(Exact(JSONText(key), word))
    )


def _boolean_q(key: str, op: str) -> Q:
    match op:
        case "is_true":
            return _is_boolean(key, True)
        case "is_false":
            return _is_boolean(key, False)
        case "is_empty":
            return _custom_missing(key)
        case "is_not_empty":
            return ~_custom_missing(key)
    raise AssertionError(op)


def _owner_q(op: str, value: Any) -> Q:
    match op:
        case "is":
            return Q(owner__username=value)
        case "is_not":
            return ~Q(owner__username=value)
        case "is_empty":
            return Q(owner__isnull=True)
        case "is_not_empty":
            return Q(owner__isnull=False)
    raise AssertionError(op)


def _meetings_q(op: str, now: datetime, viewer: Any) -> Q:
    upcoming = Meeting.objects.filter(
        contact=OuterRef("pk"), start__gte=now, cancel_requested=False
    ).exclude(state=MeetingState.CANCELLED)
    if viewer is not None:
        # A meeting the person may not see tells them nothing, not even that it exists.
        upcoming = access.visible(viewer, upcoming)
    exists = Q(Exists(upcoming))
    return exists if op == "yes" else ~exists


def condition_q(condition: Condition, *, now: datetime, zone: str, viewer: Any = None) -> Q:
    spec, op, value = condition.field, condition.operator.name, condition.value
    match spec.kind:
        case Kind.TEXT:
            lhs = _custom_text(spec.key) if spec.custom else _column(spec)
            return _text_q(op, lhs, value)
        case Kind.NUMBER:
            return _number_q(op, _custom_number(spec.key), value)
        case Kind.DATE | Kind.DATETIME:
            return _day_q(spec, op, value, now, zone)
        case Kind.BOOLEAN:
            return _boolean_q(spec.key, op)
        case Kind.OWNER:
            return _owner_q(op, value)
        case Kind.MEETINGS:
            return _meetings_q(op, now, viewer)
    raise AssertionError(spec.kind)


def to_q(rules: Rules, *, now: datetime, zone: str, viewer: Any = None) -> Q:
    """The contacts the rules match, at `now`, reading dates in `zone`. With `viewer`,
    "has an upcoming meeting" counts only the meetings that person may see."""
    return _any(
        _all(condition_q(c, now=now, zone=zone, viewer=viewer) for c in group)
        for group in rules.groups
    )


def _all(parts: Iterable[Q]) -> Q:
    result = Q()
    for part in parts:
        result &= part
    return result


def _any(parts: Iterable[Q]) -> Q:
    found = list(parts)
    if not found:
        return Q(pk__in=[])
    result = found[0]
    for part in found[1:]:
        result |= part
    return result
