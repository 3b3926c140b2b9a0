"""A worker killed in the middle of a 2,000-contact meeting step: when its lease runs out
another worker runs the step again; every contact ends with exactly one meeting and no
step is left behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from convener.campaigns import actions, engine, runner
from convener.campaigns.models import Step, StepState
from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.team.models import User
from tests.campaigns.support import campaign, meeting_step
from tests.dates import utc, winter_day
from tests.segments.support import jitsi_action

pytestmark = pytest.mark.django_db

NOW = utc(winter_day(), 8)
AUDIENCE = 2000


class Killed(BaseException):
    """The process dying: not an error the runner could catch and record."""


def audience(owner: User) -> list[int]:
    Contact.objects.bulk_create(
        [Contact(email=f"p{n}@client.example", owner=owner) for n in range(AUDIENCE)]
    )
    return list(Contact.objects.order_by("pk").values_list("pk", flat=True))


def test_killed_mid_step_nothing_doubled_nothing_stuck(member: User, monkeypatch: Any) -> None:
    ids = audience(member)
    journey = campaign(member)
    step = meeting_step(journey, jitsi_action())
    engine.enter(journey, ids, how="API", now=NOW)
    real = actions._meeting

    def dies_after_saving(*args: Any) -> Any:
        real(*args)  # the meetings are written in the step's transaction ...
        raise Killed  # ... and the worker dies before it commits

    monkeypatch.setattr(actions, "_meeting", dies_after_saving)
    with pytest.raises(Killed):
        runner.run_due(NOW)
    monkeypatch.setattr(actions, "_meeting", real)

    assert Step.objects.filter(event=step, state=StepState.PENDING).count() == AUDIENCE
    assert runner.run_due(NOW + timedelta(minutes=1)) == 0  # still leased by the dead worker
    assert runner.run_due(NOW + runner.LEASE + timedelta(minutes=1)) == AUDIENCE

    assert Step.objects.filter(event=step, state=StepState.DONE).count() == AUDIENCE
    assert Meeting.objects.count() == AUDIENCE
    assert Meeting.objects.values("contact_id").distinct().count() == AUDIENCE


def test_a_step_run_again_after_it_committed_finds_the_same_meetings(member: User) -> None:
    ids = audience(member)[:50]
    journey = campaign(member)
    step = meeting_step(journey, jitsi_action())
    engine.enter(journey, ids, how="API", now=NOW)
    runner.run_due(NOW)
    first = set(Meeting.objects.values_list("pk", flat=True))
    # As if a second worker had claimed the same rows before the first one's commit.
    Step.objects.filter(event=step).update(state=StepState.PENDING, lease_until=None)
    runner.run_due(NOW + timedelta(minutes=1))
    assert set(Meeting.objects.values_list("pk", flat=True)) == first
    assert Step.objects.filter(event=step, state=StepState.DONE).count() == 50
