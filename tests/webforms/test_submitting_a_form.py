"""A visitor sends a published form: the contact is made or updated, the submission is
kept, and the meeting action plans one meeting per rendered page."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.segments.models import Segment
from convener.team.models import User
from convener.webforms.models import FieldKind, Submission, SubmissionStatus
from tests.dates import at, winter_day
from tests.webforms.support import (
    add_preferred,
    demo_form,
    field_action,
    preferred_field,
    rendered_token,
    send,
    thank_you_of,
)

pytestmark = pytest.mark.django_db


def test_a_submission_makes_the_contact_and_the_meeting_at_the_preferred_local_time(
    client: Client, member: User
) -> None:
    preferred_field()
    form = demo_form(member, action=field_action())
    add_preferred(form)
    day = winter_day()

    answer = send(
        client,
        form,
        name="Ada",
        email="Ada@Client.example",
        when=at(day, 10),
        cv_tz="Australia/Lord_Howe",
    )

    assert answer.status_code == 303
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.SCHEDULED
    assert submission.browser_timezone == "Australia/Lord_Howe"
    meeting = submission.meeting
    assert meeting is not None and meeting.contact == submission.contact
    local = meeting.start.astimezone(ZoneInfo("Australia/Lord_Howe"))
    assert (local.date(), local.hour, local.minute) == (day, 10, 0)
    assert submission.contact is not None and submission.contact.first_name == "Ada"
    assert submission.contact.owner == member
    thanks = client.get(answer["Location"])
    assert "Your meeting is planned for" in thanks.content.decode()
    shown = f"{day:%A} {day.day} {day:%B} {day.year}, 10:00"
    assert shown in thanks.content.decode() and "Australia/Lord_Howe" in thanks.content.decode()
    assert "invitation is on its way" in thanks.content.decode()


def test_a_double_click_or_a_reposted_page_makes_one_submission_and_one_meeting(
    client: Client, member: User
) -> None:
    form = demo_form(member, action=MeetingAction.objects.create(name="Now", provider="jitsi"))
    token = rendered_token(client, form)

    first = send(client, form, token, email="bo@client.example")
    again = send(client, form, token, email="bo@client.example")

    assert first.status_code == again.status_code == 303
    # Both lead to the same submission's thank-you page (its signed address carries the
    # second it was signed in, so the two addresses may differ in that).
    assert thank_you_of(first) == thank_you_of(again) == Submission.objects.get().pk
    assert Submission.objects.count() == 1 and Meeting.objects.count() == 1


def test_an_existing_contact_is_matched_in_any_letter_case_and_keeps_what_the_form_lacks(
    client: Client, member: User, contact: Contact
) -> None:
    contact.company = "Kept Ltd"
    contact.save()
    form = demo_form(member)

    send(client, form, name="Renamed", email=contact.email.upper())

    contact.refresh_from_db()
    assert Contact.objects.count() == 1
    assert contact.first_name == "Renamed" and contact.company == "Kept Ltd"
    assert Submission.objects.get().contact == contact


def test_bad_input_is_named_next_to_its_field_and_the_typed_values_stay(
    client: Client, member: User
) -> None:
    preferred_field()
    form = demo_form(member, action=field_action())
    add_preferred(form)

    answer = send(client, form, name="Ada", email="not an address", when="2031-02-30T10:00")

    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'id="id_email_error"' in page and "Enter an email address" in page
    assert 'id="id_when_error"' in page and "Enter a real date and time" in page
    assert 'value="Ada"' in page and 'value="not an address"' in page
    assert Submission.objects.count() == 0 and Contact.objects.count() == 0


def test_a_preferred_time_in_the_past_is_refused_next_to_the_field(
    client: Client, member: User
) -> None:
    preferred_field()
    form = demo_form(member, action=field_action())
    add_preferred(form)

    answer = send(client, form, email="late@client.example", when="2001-03-04T10:00")

    page = answer.content.decode()
    assert 'id="id_when_error"' in page and "This time has already passed" in page
    assert Submission.objects.count() == 0 and Contact.objects.count() == 0


def test_a_date_only_field_takes_the_admins_time_of_day_and_zone(
    client: Client, member: User
) -> None:
    preferred_field("date")
    action = field_action(time_of_day="15:30")
    action.timezone_chain = ["action"]
    action.save()
    form = demo_form(member, action=action, detect_browser_timezone=False)
    add_preferred(form, FieldKind.DATE)
    day = winter_day()

    send(client, form, email="day@client.example", when=day.isoformat(), cv_tz="Asia/Tokyo")

    meeting = Meeting.objects.get()
    local = meeting.start.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.date(), local.hour, local.minute) == (day, 15, 30)
    assert Submission.objects.get().browser_timezone == ""


def test_the_honeypot_keeps_the_submission_as_spam_and_runs_nothing(
    client: Client, member: User
) -> None:
    form = demo_form(member, action=MeetingAction.objects.create(name="Now", provider="jitsi"))

    answer = send(client, form, email="bot@spam.example", cv_homepage="http://spam.example")

    assert answer.status_code == 303
    held = Submission.objects.get()
    assert held.status == SubmissionStatus.SPAM and held.values["email"] == "bot@spam.example"
    assert Meeting.objects.count() == 0 and Contact.objects.count() == 0


def test_too_many_sends_from_one_address_are_refused_with_what_to_do(
    client: Client, member: User, settings: object
) -> None:
    settings.FORM_SUBMISSIONS_PER_MINUTE = 2  # type: ignore[attr-defined]
    form = demo_form(member)
    for n in range(2):
        send(client, form, email=f"n{n}@client.example")

    answer = send(client, form, name="Third", email="n3@client.example")

    assert answer.status_code == 429
    page = answer.content.decode()
    assert "wait a minute" in page and 'value="Third"' in page
    assert Submission.objects.count() == 2


def test_a_too_large_submission_is_refused_with_a_message(client: Client, member: User) -> None:
    form = demo_form(member)

    answer = send(client, form, email="big@client.example", name="x" * 70_000)

    assert answer.status_code == 413
    assert "longer than this form accepts" in answer.content.decode()


def test_a_forged_or_missing_token_sends_nothing(client: Client, member: User) -> None:
    form = demo_form(member)

    answer = client.post(f"/f/{form.slug}/", {"cv_token": "forged", "email": "x@client.example"})

    assert answer.status_code == 400
    assert "send the form again" in answer.content.decode()
    assert Submission.objects.count() == 0


def test_no_usable_account_keeps_the_submission_and_tells_the_visitor_honestly(
    client: Client, member: User
) -> None:
    zoom = MeetingAction.objects.create(name="Zoom call", provider="zoom")
    form = demo_form(member, action=zoom)

    answer = send(client, form, email="no-host@client.example")

    kept = Submission.objects.get()
    assert kept.status == SubmissionStatus.NOT_SCHEDULED and kept.reason
    page = client.get(answer["Location"]).content.decode()
    assert "we will contact you" in page and "planned for" not in page


def test_the_contact_joins_the_forms_static_segment(client: Client, member: User) -> None:
    segment = Segment.objects.create(name="Leads", kind=Segment.Kind.STATIC, owner=member)
    form = demo_form(member, segment=segment)

    send(client, form, email="lead@client.example")

    assert list(segment.contacts.values_list("email", flat=True)) == ["lead@client.example"]


def test_an_unpublished_form_is_not_found_by_visitors(client: Client, member: User) -> None:
    form = demo_form(member)
    form.published = False
    form.save()

    assert client.get(f"/f/{form.slug}/").status_code == 404


def test_a_redirect_address_replaces_the_thank_you_page(client: Client, member: User) -> None:
    form = demo_form(member, redirect_url="https://www.example.com/thanks")

    answer = send(client, form, email="go@client.example")

    assert answer["Location"] == "https://www.example.com/thanks"


def test_only_the_public_form_may_be_framed(client: Client, member: User) -> None:
    form = demo_form(member)

    public = client.get(f"/f/{form.slug}/")
    own = client.get("/login/")

    assert "X-Frame-Options" not in public
    assert "frame-ancestors *" in public["Content-Security-Policy"]
    assert "no-store" in public["Cache-Control"] or "max-age=0" in public["Cache-Control"]
    assert own["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in own["Content-Security-Policy"]


def test_submissions_older_than_the_minute_do_not_count_against_the_address(
    client: Client, member: User, settings: object
) -> None:
    settings.FORM_SUBMISSIONS_PER_MINUTE = 1  # type: ignore[attr-defined]
    form = demo_form(member)
    send(client, form, email="early@client.example")
    Submission.objects.update(
        received_at=Submission.objects.get().received_at - timedelta(minutes=2)
    )

    assert send(client, form, email="later@client.example").status_code == 303


def test_a_failure_after_the_submission_is_saved_keeps_it_with_the_reason(
    client: Client, member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = demo_form(member, action=MeetingAction.objects.create(name="Now", provider="jitsi"))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the contacts table is unavailable")

    monkeypatch.setattr("convener.webforms.processing.upsert_contact", broken)
    answer = send(client, form, email="kept@client.example")

    kept = Submission.objects.get()
    assert kept.status == SubmissionStatus.NOT_SCHEDULED
    assert "unavailable" in kept.reason and kept.values["email"] == "kept@client.example"
    assert "we will contact you" in client.get(answer["Location"]).content.decode()
