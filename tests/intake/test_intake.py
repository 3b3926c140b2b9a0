"""The path contact data from outside takes: values read by target, the contact found in
any letter case and updated without losing what was not given, the start checked before
anything is saved, and the action run once per trigger reference."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from convener import timeplan
from convener.crm.models import Contact, CustomField
from convener.intake.run import run_action
from convener.intake.start import field_of_timing, planned_start
from convener.intake.upsert import upsert_contact
from convener.intake.values import read_values
from convener.meetings.models import Meeting, MeetingAction
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.team.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def preferred() -> CustomField:
    return CustomField.objects.create(
        key="preferred", label="Preferred time", kind=CustomField.Kind.DATETIME
    )


def field_action(**timing: object) -> MeetingAction:
    return MeetingAction.objects.create(
        name="Demo",
        provider="jitsi",
        timing={"mode": "field", "field": "preferred", **timing},
        timezone_chain=["browser", "contact", "action", "default"],
    )


def test_every_problem_is_kept_with_the_value_it_is_about(preferred: CustomField) -> None:
    values = read_values(
        {"email": "not-an-address", "timezone": "EST", "fields.preferred": "the 31st"}
    )

    about = {problem.target for problem in values.problems}
    assert about == {"email", "timezone", "fields.preferred"}


def test_a_missing_email_is_named() -> None:
    values = read_values({"first_name": "Ada"})

    assert [p.target for p in values.problems] == ["email"]


def test_an_address_in_another_letter_case_updates_the_contact_and_keeps_what_was_not_given(
    member: User, preferred: CustomField
) -> None:
    kept = Contact.objects.create(
        email="Ada@Client.example", company="Analytical", fields={"tier": "gold"}, owner=member
    )

    done = upsert_contact(
        read_values({"email": "ada@client.example", "fields.preferred": "2031-03-04T10:00"})
    )

    kept.refresh_from_db()
    assert done.contact.pk == kept.pk and not done.created
    assert kept.company == "Analytical" and kept.owner == member
    assert kept.fields == {"tier": "gold", "preferred": "2031-03-04T10:00"}
    assert Contact.objects.count() == 1


def test_a_new_address_makes_a_contact_owned_by_the_default_owner(member: User) -> None:
    done = upsert_contact(
        read_values({"email": "new@client.example", "first_name": "Grace"}),
        default_owner_id=member.pk,
    )

    assert done.created and done.contact.owner == member and done.contact.first_name == "Grace"


def test_a_preferred_time_in_the_past_is_refused_before_anything_is_saved(
    preferred: CustomField,
) -> None:
    action = field_action()
    values = read_values({"email": "late@client.example", "fields.preferred": "2030-01-01T09:00"})

    outcome = planned_start(
        action,
        values,
        None,
        browser_timezone="Asia/Tokyo",
        now=datetime(2030, 6, 1, 12, tzinfo=UTC),
    )

    assert isinstance(outcome, timeplan.SkippedRecipient)
    assert outcome.code == "date_in_the_past"
    assert field_of_timing(action) == "fields.preferred"
    assert Contact.objects.count() == 0


def test_a_preferred_wall_time_is_read_in_the_browser_zone_first(preferred: CustomField) -> None:
    values = read_values(
        {
            "email": "far@client.example",
            "timezone": "Europe/Paris",
            "fields.preferred": "2031-03-04T10:00",
        }
    )

    outcome = planned_start(
        field_action(),
        values,
        None,
        browser_timezone="Australia/Lord_Howe",
        now=datetime(2030, 6, 1, tzinfo=UTC),
    )

    assert isinstance(outcome, timeplan.PlannedMeeting)
    # 10:00 at Lord Howe in March (daylight time, UTC+11) is 23:00 UTC the day before.
    assert outcome.start == datetime.fromisoformat("2031-03-03T23:00:00+00:00")
    assert outcome.timezone == "Australia/Lord_Howe"


def test_the_same_reference_run_again_answers_with_the_meeting_it_made(member: User) -> None:
    action = MeetingAction.objects.create(
        name="Now", provider="jitsi", timing={"mode": "immediate"}
    )
    contact = Contact.objects.create(email="once@client.example", owner=member)
    ref = TriggerRef(TriggerKind.WEBHOOK, "3", "event-77")

    first = run_action(action, contact.pk, ref)
    again = run_action(action, contact.pk, ref)

    assert first.meeting is not None and not first.repeated
    assert again.meeting == first.meeting and again.repeated
    assert Meeting.objects.count() == 1


def test_values_naming_no_custom_field_are_read_without_reading_the_custom_fields(
    preferred: CustomField, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        plain = read_values({"email": "ada@example.org", "first_name": "Ada"})
    assert plain.email == "ada@example.org" and not plain.problems

    with django_assert_num_queries(1):
        custom = read_values({"email": "ada@example.org", "fields.preferred": "2031-03-03 10:00"})
    assert not custom.problems and "preferred" in custom.fields
