"""Schemathesis against the served OpenAPI document: every operation, every check, on
generated input (valid and invalid), with a token and seeded rows so that the operations
reach their real code, not only 404s. No answer may be a server error or undocumented.

The figures (cases, operations, failures, time, statuses) are printed at the end of the
run and written to test-artifacts/fuzzing.json.

One test drives every operation through schemathesis' strategies, rather than
`@schema.parametrize()` with a lazy schema: that loader reads a pytest attribute pytest 9.2
no longer has, and one test keeps the figures whole when xdist spreads tests over workers.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import PositiveDataAcceptanceConfig
from schemathesis.core.result import Err

REPO = Path(__file__).resolve().parents[2]
FIGURES = REPO / "test-artifacts" / "fuzzing.json"
# Per operation and generation mode (valid, invalid): 18 operations make 1,440 cases.
# FUZZ_EXAMPLES=500 digs deeper, for a run by hand.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
MIN_CASES = 1000


@dataclass
class Seeded:
    token: str
    contacts: list[int]
    meetings: list[int]
    actions: list[int]
    segments: list[int]
    runs: list[int]
    forms: list[int] = field(default_factory=list)
    jobs: list[int] = field(default_factory=list)
    events: list[int] = field(default_factory=list)
    booking_pages: list[int] = field(default_factory=list)


@dataclass
class Figures:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": sum(self.cases.values()),
            "operations": len(self.cases),
            "failures": len(self.failures),
            "seconds": round(time.monotonic() - self.started, 1),
            "per_operation": dict(sorted(self.cases.items())),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failure_messages": self.failures,
        }


def _seed() -> Seeded:
    from convener.crm.models import Contact, CustomField
    from convener.meetings.models import MeetingAction
    from convener.meetings.triggers import TriggerKind, TriggerRef
    from convener.scheduling.launch import launch
    from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
    from convener.scheduling.request import ScheduleRequest
    from convener.team.models import ApiToken, User
    from tests.dates import winter_day

    user = User.objects.create_user("fuzz", "fuzz@example.com", "pw-fuzz-1234", timezone="UTC")
    CustomField.objects.create(key="plan", label="Plan")
    contacts = [
        Contact.objects.create(
            email=f"c{n}@example.org", first_name=f"C{n}", owner=user, timezone="Europe/Berlin"
        )
        for n in range(3)
    ]
    outcome = schedule_one_off(
        contacts,
        OneOffMeeting(
            title="Seeded", timezone="UTC", start=datetime.combine(winter_day(), clock(10))
        ),
        requested_by=user,
        trigger=TriggerRef(TriggerKind.API, "tests"),
    )
    action = MeetingAction.objects.create(name="Seeded", title_template="Hi {{ contact.name }}")
    run = launch(
        ScheduleRequest(
            action,
            [c.pk for c in contacts],
            TriggerRef(TriggerKind.BULK, str(action.pk), "seeded"),
            requested_by=user,
        ),
        label="Seeded run",
    )
    return Seeded(
        token=ApiToken.issue(user, "fuzzing")[1],
        contacts=[c.pk for c in contacts],
        meetings=outcome.created_ids,
        actions=[action.pk],
        segments=_seed_segments(user, contacts),
        runs=[run.pk],
        forms=_seed_forms(user, contacts[0]),
        jobs=_seed_jobs(user, contacts),
        events=_seed_events(user),
        booking_pages=_seed_booking_pages(user),
    )


def _seed_events(user: Any) -> list[int]:
    """An in-person event on the team calendar."""
    from convener.calendar.models import Event, LocationType
    from tests.dates import utc, winter_day

    event = Event.objects.create(
        title="Seeded event",
        start=utc(winter_day(), 9),
        end=utc(winter_day(), 10),
        timezone="UTC",
        location_type=LocationType.ADDRESS,
        location_detail="1 Main Street",
        created_by=user,
    )
    return [event.pk]


def _seed_forms(user: Any, contact: Any) -> list[int]:
    """The fuzzing member's web form with one submission."""
    from convener.webforms.models import Submission, WebForm

    form = WebForm.objects.create(name="Demo", owner=user, published=True)
    Submission.objects.create(form=form, nonce="seeded", values={"email": contact.email})
    return [form.pk]


def _seed_booking_pages(user: Any) -> list[int]:
    """The fuzzing member's booking page with one booking."""
    from convener.booking.models import Booking, BookingPage
    from tests.dates import utc, winter_day

    page = BookingPage.objects.create(owner=user, title="Intro", timezone="UTC")
    Booking.objects.create(
        page=page,
        request_key="seeded",
        host=user,
        start=utc(winter_day(), 10),
        end=utc(winter_day(), 10, 30),
        visitor_timezone="UTC",
        name="Seeded visitor",
        email="visitor@example.org",
        answers=[["Topic", "Pricing"]],
    )
    return [page.pk]


def _seed_jobs(user: Any, contacts: list[Any]) -> list[int]:
    """A scheduled job with the member as its resource, and one not scheduled yet."""
    from convener.workitems import changes
    from tests.dates import winter_day

    start = datetime.combine(winter_day(), clock(9), tzinfo=UTC)
    scheduled = changes.save_job(
        None,
        changes.JobFields(
            title="Seeded job",
            timezone="Europe/Berlin",
            contact=contacts[0],
            start=start,
            end=start + timedelta(hours=1),
            resources=[user],
        ),
        by=user,
    )
    queued = changes.save_job(
        None,
        changes.JobFields(title="Queued job", timezone="UTC", contact=contacts[1]),
        by=user,
    )
    return [scheduled.pk, queued.pk]


def _seed_segments(user: Any, contacts: list[Any]) -> list[int]:
    """The fuzzing member's dynamic and static segments, and one of another member's that
    outlives the DELETE cases."""
    from convener.crm.models import CustomField
    from convener.segments.models import Segment, SegmentMember
    from convener.team.models import User

    CustomField.objects.create(key="renewal", label="Renewal", kind="date")
    rules = {
        "groups": [
            {"conditions": [{"field": "fields.renewal", "operator": "in_next_days", "value": 30}]},
            {"conditions": [{"field": "email", "operator": "contains", "value": "example.org"}]},
        ]
    }
    other = User.objects.create_user("fuzz-other", "other@example.com", "pw-other-1234")
    dynamic = Segment.objects.create(name="Renewals", owner=user, rules=rules)
    static = Segment.objects.create(name="Picked", kind="static", owner=user)
    theirs = Segment.objects.create(name="Theirs", kind="static", owner=other)
    for segment in (static, theirs):
        SegmentMember.objects.bulk_create(
            SegmentMember(segment=segment, contact=contact) for contact in contacts
        )
    return [dynamic.pk, static.pk, theirs.pk]


def _aim_at_seeded_rows(case: Any, seeded: Seeded) -> None:
    """In a valid case, most ids become ids of seeded rows, so that lookups find something;
    the rest stay as generated."""
    for where in (case.path_parameters, case.query):
        for name, rows in _ROWS.items():
            value = (where or {}).get(name)
            if isinstance(value, int) and value > 0 and value % 5:
                ids = getattr(seeded, rows)
                where[name] = ids[value % len(ids)]
    body = case.body if isinstance(case.body, dict) else {}
    contact_ids = body.get("contact_ids")
    if (
        isinstance(contact_ids, list)
        and contact_ids
        and all(isinstance(i, int) and i > 0 for i in contact_ids)
        and contact_ids[0] % 5
    ):
        body["contact_ids"] = [seeded.contacts[i % len(seeded.contacts)] for i in contact_ids]
    contact = body.get("contact_id")
    if isinstance(contact, int) and contact > 0 and contact % 5:
        body["contact_id"] = seeded.contacts[contact % len(seeded.contacts)]
    action = body.get("action_id")
    if isinstance(action, int) and action > 0 and action % 5:
        body["action_id"] = seeded.actions[action % len(seeded.actions)]


_ROWS = {
    "meeting_id": "meetings",
    "contact_id": "contacts",
    "action_id": "actions",
    "segment_id": "segments",
    "run_id": "runs",
    "form_id": "forms",
    "job_id": "jobs",
    "event_id": "events",
    "page_id": "booking_pages",
}


def _fuzz(operation: Any, mode: GenerationMode, seeded: Seeded, figures: Figures) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if mode is GenerationMode.POSITIVE:
            _aim_at_seeded_rows(case, seeded)
        figures.cases[label] += 1
        response = case.call_and_validate(headers={"Authorization": f"Bearer {seeded.token}"})
        figures.statuses[response.status_code] += 1

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # recorded; the next operation still runs
        figures.failures.append(f"{label} ({mode}): {str(exc)[:3000]}")


@contextmanager
def _connections_kept_open() -> Iterator[None]:
    """The WSGI handler closes database connections when a request ends; here that is the
    test's own, holding its transaction. Django's test client switches this off the same
    way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_no_operation_answers_a_server_error_or_an_undocumented_response(
    request: pytest.FixtureRequest,
) -> None:
    from convener.wsgi import application

    seeded = _seed()
    figures = Figures()
    operations: list[Any] = []
    try:
        with _connections_kept_open():
            schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
            # Valid by the schema is not always valid by the rules a schema cannot say (a
            # contact that exists, a start in the future, a real email address): those
            # answer 422 naming the field, which this check may accept.
            schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
                expected_statuses=["2XX", "401", "403", "404", "409", "422"]
            )
            operations = []
            for result in schema.get_all_operations():
                if isinstance(result, Err):
                    raise result.err()  # an operation the schema cannot describe
                operations.append(result.ok())
            for operation in operations:
                for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                    _fuzz(operation, mode, seeded, figures)
    finally:
        _report(request, figures)
    summary = figures.as_dict()
    assert summary["operations"] == len(operations) >= 14
    assert summary["cases"] >= MIN_CASES
    assert summary["failures"] == 0, "\n\n".join(figures.failures)


def _report(request: pytest.FixtureRequest, figures: Figures) -> None:
    summary = figures.as_dict()
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(json.dumps(summary, indent=2))
    line = (
        f"fuzzing: {summary['cases']} cases over {summary['operations']} operations, "
        f"{summary['failures']} failures, {summary['seconds']} s; statuses {summary['statuses']}"
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)
