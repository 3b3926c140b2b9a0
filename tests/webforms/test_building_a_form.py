"""A member builds a form in the UI: settings, fields mapped to contact fields, the action
panel that says which field feeds the meeting's time, the embed snippets, and the
submissions page with its filters and CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from convener.crm.models import CustomField
from convener.team.models import User
from convener.webforms.models import FormField, Submission, SubmissionStatus, WebForm
from tests.webforms.support import add_preferred, demo_form, field_action, preferred_field, send

pytestmark = pytest.mark.django_db


def test_a_new_form_starts_with_name_and_email_fields_and_is_the_makers(
    logged_in: Client, member: User
) -> None:
    answer = logged_in.post(
        "/forms/new/",
        {"name": "Demo request", "submit_label": "Send", "thank_you_message": "Thanks!"},
    )

    form = WebForm.objects.get()
    assert answer["Location"] == f"/forms/{form.pk}/"
    assert form.owner == member and not form.published
    assert [f.target for f in form.fields.all()] == ["first_name", "last_name", "email"]
    page = logged_in.get(answer["Location"]).content.decode()
    assert f"/f/{form.slug}/" in page and "embed.js" in page and "&lt;iframe" in page


def test_a_field_must_suit_the_contact_field_it_fills(logged_in: Client, member: User) -> None:
    preferred_field()
    form = demo_form(member)

    answer = logged_in.post(
        f"/forms/{form.pk}/fields/new/",
        {"label": "Preferred time", "kind": "date", "target": "fields.preferred"},
    )

    assert answer.status_code == 200
    assert "holds a date and time" in answer.content.decode()
    assert not FormField.objects.filter(label="Preferred time").exists()


def test_a_datetime_field_fills_a_custom_datetime_field(logged_in: Client, member: User) -> None:
    preferred_field()
    form = demo_form(member)

    answer = logged_in.post(
        f"/forms/{form.pk}/fields/new/",
        {"label": "Preferred time", "kind": "datetime", "target": "fields.preferred"},
    )

    assert answer.status_code == 302
    field = FormField.objects.get(label="Preferred time")
    assert field.key == "preferred_time" and field.target == "fields.preferred"


def test_the_action_panel_names_the_field_that_feeds_the_meetings_time(
    logged_in: Client, member: User
) -> None:
    preferred_field()
    form = demo_form(member, action=field_action())

    warned = logged_in.get(f"/forms/{form.pk}/").content.decode()
    add_preferred(form)
    fed = logged_in.get(f"/forms/{form.pk}/").content.decode()

    assert "data-timing-warning" in warned and "does not" in warned
    assert "data-timing-fed-by" in fed and "Preferred time" in fed
    assert f"/actions/{form.action_id}/edit/" in fed


def test_another_members_form_is_listed_but_not_theirs_to_change(
    client: Client, member: User
) -> None:
    form = demo_form(member)
    other = User.objects.create_user("zed", "zed@example.com", "x")
    client.force_login(other)

    assert "Request a demo" in client.get("/forms/").content.decode()
    assert client.get(f"/forms/{form.pk}/").status_code == 403
    assert client.get(f"/forms/{form.pk}/submissions/").status_code == 403


def test_fields_move_up_and_down(logged_in: Client, member: User) -> None:
    form = demo_form(member)
    email = form.fields.get(key="email")

    logged_in.post(f"/forms/fields/{email.pk}/move/", {"direction": "up"})

    assert [f.key for f in form.fields.all()] == ["email", "name"]


def test_the_submissions_page_filters_and_exports_what_visitors_sent(
    client: Client, logged_in: Client, member: User
) -> None:
    CustomField.objects.create(key="note", label="Note")
    form = demo_form(member)
    visitor = Client()
    send(visitor, form, name="=HYPERLINK()", email="ada@client.example")
    send(visitor, form, email="bot@spam.example", cv_homepage="x")

    spam = logged_in.get(f"/forms/{form.pk}/submissions/?status=spam").content.decode()
    exported: Any = logged_in.get(f"/forms/{form.pk}/submissions.csv")

    assert "bot@spam.example" in spam and "ada@client.example" not in spam
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert rows[0][1:3] == ["First name", "Email"]
    by_email = {row[2]: row for row in rows[1:]}
    assert by_email["ada@client.example"][1] == "'=HYPERLINK()"  # never run as a formula
    assert by_email["bot@spam.example"][4] == SubmissionStatus.SPAM.label
    assert Submission.objects.count() == 2


def test_a_bad_filter_date_is_named_not_a_crash(logged_in: Client, member: User) -> None:
    form = demo_form(member)

    answer = logged_in.get(f"/forms/{form.pk}/submissions/?since=2026-02-30")

    assert answer.status_code == 200
    assert "Enter a date such as" in answer.content.decode()
