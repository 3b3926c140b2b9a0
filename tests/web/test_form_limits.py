"""The web forms apply the API's limits and refuse a line break in what ends up in email
headers, showing why next to the field: the schedule popup, the contact form, the
reschedule form and a team member's page in the administration."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import User
from tests.web.test_schedule_popup import HTMX, error_for, submit

pytestmark = pytest.mark.django_db

INJECTION = "Demo\r\nBcc: everyone@evil.example"


def test_the_popup_refuses_a_title_with_a_line_break(logged_in: Any, contact: Contact) -> None:
    response = submit(logged_in, contact, title=INJECTION)
    assert "one line" in error_for(response, "title")
    assert (Meeting.objects.count(), MeetingAction.objects.count()) == (0, 0)


def test_the_popup_refuses_a_title_over_200_characters(logged_in: Any, contact: Contact) -> None:
    assert "200" in error_for(submit(logged_in, contact, title="x" * 201), "title")
    assert Meeting.objects.count() == 0


def test_the_popup_takes_at_most_50_extra_attendees(logged_in: Any, contact: Contact) -> None:
    guests = ", ".join(f"guest{n}@example.org" for n in range(51))
    assert "at most 50 attendees" in error_for(
        submit(logged_in, contact, attendees=guests), "attendees"
    )
    assert Meeting.objects.count() == 0


def test_the_popup_holds_a_zoom_description_to_zooms_limit(
    logged_in: Any, contact: Contact, member: User
) -> None:
    from convener.connections.models import Connection

    Connection.objects.create(provider="zoom", level="user", user=member, account_email="a@x.io")
    response = submit(logged_in, contact, provider="zoom", description="x" * 1962)
    assert "1,961 characters for Zoom" in error_for(response, "description")
    assert Meeting.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("first_name", "Dana\nBcc: x@evil.example"), ("email", '"d\x0bBcc:x"@example.org')],
)
def test_the_contact_form_refuses_control_characters_next_to_the_field(
    logged_in: Any, field: str, value: str
) -> None:
    data = {"email": "dana@example.org", "first_name": "Dana", "last_name": "", "company": ""}
    response = logged_in.post("/contacts/new/", {**data, field: value})
    assert response.status_code == 200
    assert "control characters" in error_for(response, field)
    assert Contact.objects.count() == 0


def test_the_reschedule_form_refuses_a_title_with_a_line_break(
    logged_in: Any, contact: Contact
) -> None:
    submit(logged_in, contact)
    meeting = Meeting.objects.get()
    local = meeting.local_start
    response = logged_in.post(
        f"/meetings/{meeting.pk}/reschedule/",
        {
            "title": INJECTION,
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
            "timezone": meeting.timezone,
            "duration_minutes": meeting.duration_minutes,
            "description": "",
        },
        headers=HTMX,
    )
    assert "one line" in error_for(response, "title")
    assert Meeting.objects.get().title == "Demo"


def test_the_admin_refuses_a_team_members_address_with_a_control_character(
    client: Any, member: User
) -> None:
    # A host's address becomes the invitations' Reply-To.
    from convener.team.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "pw-for-root-123")
    client.force_login(admin)
    joined = member.date_joined.astimezone()
    response = client.post(
        f"/admin/team/user/{member.pk}/change/",
        {
            "username": "ann",
            "first_name": "Ann",
            "last_name": "Lee",
            "email": '"ann\x0bBcc:x"@example.com',
            "is_active": "on",
            "date_joined_0": joined.date().isoformat(),
            "date_joined_1": joined.strftime("%H:%M:%S"),
            "timezone": "Europe/Berlin",
        },
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    member.refresh_from_db()
    assert member.email == "ann@example.com"
