"""Contacts going through campaigns, with a controlled clock: sources, conditions, meeting
steps, delays and decisions, publishing and editing a live campaign."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from convener.campaigns import engine, runner
from convener.campaigns.models import EventType, Journey, Source, Step, StepState
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction, MeetingState
from convener.segments.models import Segment, SegmentMember
from convener.team.models import User
from tests.campaigns.support import campaign, event, field_update, meeting_step, segment_source
from tests.dates import at, utc, winter_day
from tests.segments.support import acme_contacts, acme_segment, jitsi_action
from tests.webforms.support import demo_form, send

pytestmark = pytest.mark.django_db

DAY = winter_day()  # a Tuesday in winter
NOW = utc(DAY, 8)


def steps_at(event_id: int, state: str) -> set[int]:
    return set(
        Step.objects.filter(event_id=event_id, state=state).values_list("contact_id", flat=True)
    )


def test_a_form_submission_enters_the_campaign_and_its_answer_picks_the_branch(
    client: Client, member: User
) -> None:
    form = demo_form(member)
    from convener.webforms.models import FormField

    FormField.objects.create(form=form, key="size", label="Team size", position=3)
    journey = campaign(member)
    Source.objects.create(campaign=journey, kind=Source.Kind.FORM, form=form)
    big = event(
        journey,
        EventType.SUBMISSION_VALUE,
        settings={"field": "size", "op": "equals", "value": "large"},
    )
    meeting = meeting_step(journey, jitsi_action(), parent=big, branch="yes")
    tag = event(
        journey,
        EventType.UPDATE_FIELD,
        parent=big,
        branch="no",
        settings={"field": "tier", "value": "small"},
    )
    assert (
        send(client, form, email="lara@client.example", name="Lara", size="large").status_code
        == 303
    )
    assert send(client, form, email="sam@client.example", name="Sam", size="two").status_code == 303
    lara = Contact.objects.get(email="lara@client.example")
    sam = Contact.objects.get(email="sam@client.example")
    assert set(Journey.objects.values_list("contact_id", flat=True)) == {lara.pk, sam.pk}

    runner.run_due()

    assert steps_at(big.pk, StepState.DONE) == {lara.pk, sam.pk}
    assert steps_at(meeting.pk, StepState.DONE) == {lara.pk}
    assert steps_at(tag.pk, StepState.DONE) == {sam.pk}
    assert Meeting.objects.get().contact == lara
    sam.refresh_from_db()
    assert sam.fields["tier"] == "small"


def test_a_submission_of_a_form_with_no_campaign_changes_nothing(
    client: Client, member: User
) -> None:
    form = demo_form(member)
    assert send(client, form, email="lara@client.example").status_code == 303
    assert not Journey.objects.exists()


SMART = {
    "mode": "smart",
    "start": at(DAY, 10),
    "gap_minutes": 10,
    "window": {"from": "10:00", "to": "18:00"},
    "days": "weekdays",
    "per_host": True,
}


def test_a_segment_of_100_contacts_and_5_owners_gives_each_owner_their_own_sequence(
    member: User,
) -> None:
    owners = [User.objects.create_user(f"owner{n}", f"owner{n}@example.com", "x") for n in range(5)]
    for n in range(100):
        Contact.objects.create(
            email=f"c{n}@acme.example",
            company="Acme",
            owner=owners[n % 5],
            timezone="Europe/Berlin",
        )
    action = MeetingAction.objects.create(
        name="Demo day",
        provider="jitsi",
        credentials="contact_owner",
        duration_minutes=30,
        timing=SMART,
        timezone="Europe/Berlin",
    )
    journey = campaign(member)
    segment_source(journey, acme_segment(member))
    step = meeting_step(journey, action)

    runner.tick(NOW)

    assert steps_at(step.pk, StepState.DONE) == set(Contact.objects.values_list("pk", flat=True))
    berlin = ZoneInfo("Europe/Berlin")
    starts: dict[int, list[datetime]] = defaultdict(list)
    for meeting in Meeting.objects.select_related("contact"):
        assert meeting.contact is not None and meeting.contact.owner_id is not None
        starts[meeting.contact.owner_id].append(meeting.start.astimezone(berlin))
    assert sorted(starts) == sorted(o.pk for o in owners)
    for owner_starts in starts.values():
        owner_starts.sort()
        # Each owner's 20 meetings from 10:00, every 40 minutes, on their own.
        assert owner_starts[0].hour == 10 and owner_starts[0].minute == 0
        same_day = [(a, b) for a, b in itertools.pairwise(owner_starts) if a.date() == b.date()]
        assert all(b - a == timedelta(minutes=40) for a, b in same_day)
        assert len(owner_starts) == 20


def test_delayed_step_waits_as_a_due_time_then_runs(member: User) -> None:
    (ann,) = acme_contacts(member, "Ann")
    journey = campaign(member)
    later = field_update(journey, "stage", "nurtured", days=2)
    engine.enter(journey, [ann.pk], how="API", now=NOW)
    assert runner.run_due(NOW + timedelta(days=1)) == 0
    assert steps_at(later.pk, StepState.PENDING) == {ann.pk}
    assert runner.run_due(NOW + timedelta(days=2)) == 1
    ann.refresh_from_db()
    assert ann.fields["stage"] == "nurtured"


def test_unpublishing_holds_entries_and_steps_and_republishing_resumes(member: User) -> None:
    (ann,) = acme_contacts(member, "Ann")
    journey = campaign(member)
    segment_source(journey, acme_segment(member))
    first = event(journey, EventType.UPDATE_FIELD, settings={"field": "a", "value": "1"})
    journey.published = False
    journey.save()
    runner.tick(NOW)
    assert not Journey.objects.exists()
    journey.published = True
    journey.save()
    engine.enter(journey, [ann.pk], how="API", now=NOW)
    journey.published = False
    journey.save()
    assert runner.run_due(NOW) == 0
    assert steps_at(first.pk, StepState.PENDING) == {ann.pk}
    journey.published = True
    journey.save()
    assert runner.run_due(NOW) == 1


def test_a_removed_event_cancels_its_pending_steps_and_a_new_one_applies_to_later_arrivals(
    member: User,
) -> None:
    ann, bea = acme_contacts(member, "Ann", "Bea")
    journey = campaign(member)
    first = field_update(journey, "a", "1")
    waiting = field_update(journey, "b", "2", parent=first, days=1)
    engine.enter(journey, [ann.pk], how="API", now=NOW)
    runner.run_due(NOW)
    assert steps_at(waiting.pk, StepState.PENDING) == {ann.pk}
    engine.remove_event(waiting)
    assert steps_at(waiting.pk, StepState.CANCELLED) == {ann.pk}
    added = event(
        journey, EventType.UPDATE_FIELD, parent=first, settings={"field": "c", "value": "3"}
    )
    engine.enter(journey, [bea.pk], how="API", now=NOW)
    runner.run_due(NOW)
    assert steps_at(added.pk, StepState.DONE) == {bea.pk}
    assert not Step.objects.filter(event=waiting, contact=bea).exists()


def test_a_contact_passes_once_unless_the_campaign_allows_restarts(member: User) -> None:
    (ann,) = acme_contacts(member, "Ann")
    once = campaign(member)
    event(once, EventType.UPDATE_FIELD, settings={"field": "a", "value": "1"})
    assert engine.enter(once, [ann.pk], how="API", now=NOW).entered == 1
    runner.run_due(NOW)
    assert engine.enter(once, [ann.pk], how="API", now=NOW).entered == 0
    again = campaign(member, "Monthly", allow_restart=True)
    event(again, EventType.UPDATE_FIELD, settings={"field": "a", "value": "1"})
    engine.enter(again, [ann.pk], how="API", now=NOW)
    assert engine.enter(again, [ann.pk], how="API", now=NOW).entered == 0  # still going
    runner.run_due(NOW)
    assert engine.enter(again, [ann.pk], how="API", now=NOW + timedelta(minutes=1)).entered == 1
    assert sorted(Journey.objects.filter(campaign=again).values_list("number", flat=True)) == [1, 2]


def test_leaving_the_segment_takes_the_contact_out_when_the_source_says_so(member: User) -> None:
    ann, bea = acme_contacts(member, "Ann", "Bea")
    segment = Segment.objects.create(name="VIP", kind=Segment.Kind.STATIC, owner=member)
    for person in (ann, bea):
        SegmentMember.objects.create(segment=segment, contact=person)
    journey = campaign(member)
    segment_source(journey, segment, remove_on_leave=True)
    later = field_update(journey, "a", "1", days=3)
    runner.tick(NOW)
    SegmentMember.objects.filter(contact=bea).delete()
    runner.tick(NOW + timedelta(hours=1))
    assert steps_at(later.pk, StepState.PENDING) == {ann.pk}
    assert steps_at(later.pk, StepState.CANCELLED) == {bea.pk}


def test_a_meeting_outcome_decision_takes_yes_when_the_link_failed_and_no_after_the_limit(
    member: User,
) -> None:
    ann, bea = acme_contacts(member, "Ann", "Bea")
    journey = campaign(member)
    meeting = meeting_step(journey, jitsi_action())
    failed = event(
        journey,
        EventType.MEETING_OUTCOME,
        parent=meeting,
        wait_hours=24,
        settings={"outcome": "link_failed"},
    )
    follow_up = event(journey, EventType.NOTIFY_OWNER, parent=failed, branch="yes")
    engine.enter(journey, [ann.pk, bea.pk], how="API", now=NOW)
    runner.run_due(NOW)
    Meeting.objects.filter(contact=ann).update(state=MeetingState.LINK_FAILED)
    runner.run_due(NOW + timedelta(minutes=1))
    assert Step.objects.get(event=failed, contact=ann).branch == "yes"
    assert steps_at(follow_up.pk, StepState.DONE) == {ann.pk}
    assert steps_at(failed.pk, StepState.PENDING) == {bea.pk}
    runner.run_due(NOW + timedelta(hours=25))
    assert Step.objects.get(event=failed, contact=bea).branch == "no"


def test_a_failing_step_is_retried_with_backoff_then_shown_failed_and_others_go_on(
    member: User, settings: Any
) -> None:
    settings.RETRY_MAX_ATTEMPTS = 2
    (ann,) = acme_contacts(member, "Ann")
    journey = campaign(member)
    hook = event(
        journey, EventType.SEND_WEBHOOK, settings={"url": "http://127.0.0.1:9/", "secret": "s"}
    )
    other = event(journey, EventType.UPDATE_FIELD, settings={"field": "a", "value": "1"})
    engine.enter(journey, [ann.pk], how="API", now=NOW)
    runner.run_due(NOW)
    assert steps_at(other.pk, StepState.DONE) == {ann.pk}
    step = Step.objects.get(event=hook)
    assert step.state == StepState.PENDING and step.result.startswith("Will try again")
    runner.run_due(NOW + timedelta(hours=2))
    step.refresh_from_db()
    assert step.state == StepState.FAILED
    assert "could not be reached" in step.result


def test_a_submits_form_decision_takes_yes_when_the_contact_sends_the_form(
    client: Client, member: User
) -> None:
    form = demo_form(member)
    lara, sam = (
        Contact.objects.create(email=f"{n}@client.example", owner=member) for n in ("lara", "sam")
    )
    journey = campaign(member)
    waits = event(journey, EventType.SUBMITS_FORM, wait_hours=48, settings={"form": form.pk})
    thanks = event(
        journey,
        EventType.UPDATE_FIELD,
        parent=waits,
        branch="yes",
        settings={"field": "answered", "value": "yes"},
    )
    # The submission's time is the real clock's, so the journey starts on it too.
    start = timezone.now()
    engine.enter(journey, [lara.pk, sam.pk], how="API", now=start)
    runner.run_due(start)
    assert steps_at(waits.pk, StepState.PENDING) == {lara.pk, sam.pk}
    assert send(client, form, email="lara@client.example").status_code == 303
    runner.run_due(timezone.now() + timedelta(minutes=1))
    assert steps_at(thanks.pk, StepState.DONE) == {lara.pk}
    runner.run_due(start + timedelta(hours=49))
    assert Step.objects.get(event=waits, contact=sam).branch == "no"


def test_outside_its_activation_window_nobody_enters(member: User) -> None:
    (ann,) = acme_contacts(member, "Ann")
    journey = campaign(member, active_from=NOW + timedelta(days=1))
    assert engine.enter(journey, [ann.pk], how="API", now=NOW).entered == 0
    assert engine.enter(journey, [ann.pk], how="API", now=NOW + timedelta(days=2)).entered == 1


def test_a_segment_that_cannot_be_read_does_not_stop_the_other_campaigns(member: User) -> None:
    (ann,) = acme_contacts(member, "Ann")
    broken = Segment.objects.create(
        name="Gone field",
        owner=member,
        rules={
            "groups": [{"conditions": [{"field": "fields.gone", "operator": "is", "value": "x"}]}]
        },
    )
    segment_source(campaign(member, "Broken"), broken)
    working = campaign(member, "Working")
    segment_source(working, acme_segment(member))
    runner.tick(NOW)
    assert list(Journey.objects.values_list("campaign__name", "contact_id")) == [
        ("Working", ann.pk)
    ]
