"""The trigger seam: every trigger builds a TriggerRef and a ScheduleRequest and calls
`schedule`. A re-run of the same trigger finds its meetings; the source leads back to them;
a request may carry its own start and its own unsaved settings."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from convener.crm.models import Contact
from convener.meetings.models import Attendee, Meeting, MeetingAction, Run, meetings_from
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.launch import launch
from convener.scheduling.oneoff import OneOffMeeting
from convener.scheduling.oneoff import validate as validate_one_off
from convener.scheduling.request import FixedStart, ScheduleRequest
from convener.scheduling.schedule import schedule
from convener.scheduling.validation import validate_action
from convener.team.models import User
from tests.dates import utc, winter_day

pytestmark = pytest.mark.django_db


def an_action(**fields: object) -> MeetingAction:
    return MeetingAction.objects.create(
        **{"name": "Demo follow-up", "provider": "jitsi", "timing": {"mode": "immediate"}, **fields}
    )


def contacts(owner: User, count: int) -> list[int]:
    return [
        Contact.objects.create(
            email=f"visitor{n}@client.example", owner=owner, timezone="Europe/Paris"
        ).pk
        for n in range(count)
    ]


def test_the_same_form_submission_run_again_finds_its_meetings_instead_of_doubling_them(
    member: User,
) -> None:
    action, ids = an_action(), contacts(member, 3)
    submission = TriggerRef(TriggerKind.FORM, "7", "submission-41")

    first = schedule(ScheduleRequest(action, ids, submission))
    again = schedule(ScheduleRequest(action, ids, submission))

    assert len(first.created_ids) == 3 and again.created_ids == []
    assert sorted(again.existing_ids) == sorted(first.created_ids)
    assert Meeting.objects.count() == 3


def test_another_occurrence_of_the_same_source_makes_new_meetings(member: User) -> None:
    action, ids = an_action(), contacts(member, 1)

    schedule(ScheduleRequest(action, ids, TriggerRef(TriggerKind.WORK_ITEM, "88", "ready-1")))
    second = schedule(
        ScheduleRequest(action, ids, TriggerRef(TriggerKind.WORK_ITEM, "88", "ready-2"))
    )

    assert len(second.created_ids) == 1
    assert Meeting.objects.count() == 2


def test_a_source_leads_back_to_the_meetings_of_all_its_occurrences_and_no_others(
    member: User,
) -> None:
    action, ids = an_action(), contacts(member, 2)
    for occurrence in ("submission-1", "submission-2"):
        schedule(ScheduleRequest(action, ids[:1], TriggerRef(TriggerKind.FORM, "7", occurrence)))
    other_form = schedule(ScheduleRequest(action, ids, TriggerRef(TriggerKind.FORM, "8", "s")))
    same_id_other_kind = schedule(
        ScheduleRequest(action, ids, TriggerRef(TriggerKind.BOOKING, "7", "b"))
    )

    found = meetings_from(TriggerKind.FORM, "7")

    assert found.count() == 2
    assert {m.trigger_source for m in found} == {"7"}
    assert not found.filter(pk__in=other_form.created_ids + same_id_other_kind.created_ids)


def test_a_fixed_start_in_the_request_takes_the_place_of_the_actions_timing(
    member: User,
) -> None:
    action = an_action(timing={"mode": "delay", "delay": {"amount": 2, "unit": "days"}})
    day = winter_day()
    slot = FixedStart(datetime.combine(day, time(9, 30)), "America/New_York")

    outcome = schedule(
        ScheduleRequest(
            action, contacts(member, 1), TriggerRef(TriggerKind.BOOKING, "3", "b1"), start=slot
        )
    )

    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    assert meeting.start == utc(day, 14, 30)  # 09:30 EST
    assert meeting.timezone == "America/New_York"
    assert meeting.local_start.tzinfo == ZoneInfo("America/New_York")


def test_an_instant_as_fixed_start_stays_that_instant_in_any_zone(member: User) -> None:
    instant = utc(winter_day(), 16, 0)

    outcome = schedule(
        ScheduleRequest(
            an_action(),
            contacts(member, 1),
            TriggerRef(TriggerKind.CALENDAR_EVENT, "ev-5", "v1"),
            start=FixedStart(instant, "Asia/Tokyo"),
        )
    )

    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    assert (meeting.start, meeting.timezone) == (instant, "Asia/Tokyo")


def test_an_unsaved_action_schedules_without_storing_any_action(member: User) -> None:
    colleague = User.objects.create_user("mike", email="mike@team.example")
    settings = MeetingAction(
        name="Just once",
        provider="jitsi",
        title_template="Call with {{ contact.first_name }}",
        passcode="4321",
        external_emails=["boss@client.example"],
    )

    outcome = schedule(
        ScheduleRequest(
            settings,
            contacts(member, 1),
            TriggerRef(TriggerKind.API, str(member.pk)),
            internal_attendees=[colleague],
        )
    )

    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    assert MeetingAction.objects.count() == 0
    assert meeting.action is None
    assert meeting.requested_passcode == "4321"
    assert set(meeting.attendees.values_list("email", "kind")) == {
        ("visitor0@client.example", Attendee.Kind.CONTACT),
        ("mike@team.example", Attendee.Kind.INTERNAL),
        ("boss@client.example", Attendee.Kind.EXTERNAL),
    }


@pytest.mark.parametrize("source", ["", "form:7", "x" * 101])
def test_a_trigger_source_must_be_a_plain_id(source: str) -> None:
    with pytest.raises(ValueError, match="trigger source"):
        TriggerRef(TriggerKind.FORM, source, "s")


def test_occurrences_made_for_triggers_that_never_repeat_differ_each_time() -> None:
    assert TriggerRef(TriggerKind.CONTACT, "1") != TriggerRef(TriggerKind.CONTACT, "1")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"duration_minutes": 2}, "duration_minutes", "between 5 minutes and 24 hours"),
        ({"duration_minutes": 1441}, "duration_minutes", "between 5 minutes and 24 hours"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus is not a time zone"),
        ({"passcode": "12345678901"}, "passcode", "at most 10 characters"),
        ({"passcode": "12\n34"}, "passcode", "the passcode"),
        ({"credentials": "named_user"}, "named_user", "name the user"),
        ({"timing": {"mode": "fixed"}}, "timing.at", "required"),
    ],
)
def test_one_validation_names_the_field_at_fault(
    fields: dict[str, object], field: str, words: str
) -> None:
    action = MeetingAction(name="x", provider="jitsi", **fields)

    with pytest.raises(ValidationError) as refused:
        validate_action(action)

    assert words in refused.value.message_dict[field][0]


def test_the_popup_gets_the_actions_errors_under_its_own_field_names() -> None:
    settings = OneOffMeeting(
        title="a\nb",
        timezone="Europe/Berlin",
        description="x" * 9000,
        external_emails=["not-an-address"],
    )

    with pytest.raises(ValidationError) as refused:
        validate_one_off(settings)

    assert sorted(refused.value.message_dict) == ["attendees", "description", "title"]


def test_a_launch_is_recorded_as_a_run_whose_progress_counts_its_meetings(member: User) -> None:
    action, ids = an_action(), contacts(member, 3)
    # Not the member's contact: Members may edit only their own, so it is skipped.
    ids.append(Contact.objects.create(email="nobody@client.example").pk)
    ref = TriggerRef(TriggerKind.SEGMENT, "12", "launch-1")

    run = launch(ScheduleRequest(action, ids, ref, requested_by=member), label="VIP leads")

    assert (run.label, run.requested, run.created, run.skipped_count) == ("VIP leads", 4, 3, 1)
    assert run.skipped[0]["contact_id"] == ids[-1] and run.skipped[0]["reason"]
    assert run.progress()["planned"] == 3 and sum(run.progress().values()) == 3
    assert str(run) == "VIP leads" and run.requested_by == member


def test_launching_the_same_reference_again_updates_the_same_run(member: User) -> None:
    action, ids = an_action(), contacts(member, 2)
    ref = TriggerRef(TriggerKind.BULK, str(action.pk), "wave-1")

    first = launch(ScheduleRequest(action, ids[:1], ref))
    again = launch(ScheduleRequest(action, ids, ref))

    assert again.pk == first.pk and Run.objects.count() == 1
    assert (again.requested, again.created) == (2, 2)
    assert again.meetings().count() == Meeting.objects.count() == 2


def test_a_launch_larger_than_one_statement_gives_every_meeting_its_own_contact_and_guests(
    member: User,
) -> None:
    # 1,100 contacts: saved 500 rows to a statement, in chunks of 1,000; a key handed back
    # out of order would put one contact's title and attendees on another's meeting.
    action = an_action(
        title_template="Call with {{ contact.email }}", external_emails=["notes@firm.example"]
    )
    Contact.objects.bulk_create(
        Contact(email=f"visitor{n}@client.example", owner=member) for n in range(1100)
    )
    ids = list(Contact.objects.values_list("pk", flat=True))

    outcome = schedule(ScheduleRequest(action, ids, TriggerRef(TriggerKind.BULK, str(action.pk))))

    assert sorted(outcome.created_ids) == sorted(Meeting.objects.values_list("pk", flat=True))
    assert len(outcome.created_ids) == 1100
    for meeting in Meeting.objects.select_related("contact").prefetch_related("attendees"):
        assert meeting.contact is not None
        assert meeting.title == f"Call with {meeting.contact.email}"
        assert sorted(a.email for a in meeting.attendees.all()) == sorted(
            [meeting.contact.email, "notes@firm.example"]
        )
