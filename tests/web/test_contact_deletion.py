"""Deleting contacts, one from its page or many from the list: the confirmation counts the
upcoming meetings it cancels, past meetings stay, the attendees get the ICS CANCEL, and
contacts the person may not delete are named and skipped."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from django.utils import timezone

from convener.crm.models import Contact
from convener.dispatch.dispatcher import drain
from convener.meetings.models import Meeting, MeetingState
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.oneoff import OneOffMeeting, schedule_one_off
from convener.team.models import User
from tests.access.support import colleague, without
from tests.conftest import Inbox
from tests.dates import winter_day

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def future_meeting(contact: Contact, by: User, capture: Any, title: str = "Demo") -> Meeting:
    """A Jitsi meeting with `contact` next winter, scheduled and invited by the worker."""
    day = winter_day()
    with capture(execute=True):
        outcome = schedule_one_off(
            [contact],
            OneOffMeeting(
                title=title,
                timezone="Europe/Berlin",
                start=datetime(day.year, day.month, day.day, 10, 0),
                external_emails=["guest@partner.example"],
            ),
            requested_by=by,
            trigger=TriggerRef(TriggerKind.CONTACT, str(contact.pk)),
        )
    meeting = Meeting.objects.get(pk=outcome.created_ids[0])
    drain(meeting.lane)
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.INVITED, meeting.state_reason
    return meeting


def past_meeting(contact: Contact, host: User) -> Meeting:
    start = timezone.now() - timedelta(days=7)
    return Meeting.objects.create(
        contact=contact,
        host=host,
        provider="jitsi",
        title="Kick-off",
        start=start,
        end=start + timedelta(minutes=30),
        timezone="UTC",
        state=MeetingState.INVITED,
    )


def calendar_methods(inbox: Inbox, address: str) -> list[str]:
    methods = []
    message: EmailMessage
    for message in inbox.to(address):
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                methods.append(str(part.get_param("method")))
    return methods


def test_the_confirmation_says_how_many_upcoming_meetings_will_be_cancelled(
    logged_in: Any,
    member: User,
    contact: Contact,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    future_meeting(contact, member, django_capture_on_commit_callbacks)
    future_meeting(contact, member, django_capture_on_commit_callbacks, title="Follow-up")
    past_meeting(contact, member)

    html = logged_in.get(f"/contacts/{contact.pk}/delete/", headers=HTMX).content.decode()

    assert "Delete <strong>Bob Stone</strong>?" in html
    assert "2 upcoming meetings will be cancelled" in html
    assert "1 past or cancelled meeting stays" in html
    assert Contact.objects.filter(pk=contact.pk).exists()
    # Offered on the contact's page.
    page = logged_in.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'hx-get="/contacts/{contact.pk}/delete/"' in page


def test_deleting_keeps_past_meetings_and_cancels_future_ones_with_an_ics_cancel(
    logged_in: Any,
    member: User,
    contact: Contact,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    upcoming = future_meeting(contact, member, django_capture_on_commit_callbacks)
    past = past_meeting(contact, member)
    assert calendar_methods(smtp_server, "bob@example.org") == ["REQUEST"]

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(f"/contacts/{contact.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert not Contact.objects.filter(pk=contact.pk).exists()

    drain(upcoming.lane)
    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert upcoming.state == MeetingState.CANCELLED and upcoming.contact is None
    assert past.state == MeetingState.INVITED and past.contact is None
    assert calendar_methods(smtp_server, "bob@example.org") == ["REQUEST", "CANCEL"]
    assert calendar_methods(smtp_server, "guest@partner.example") == ["REQUEST", "CANCEL"]

    listing = logged_in.get("/contacts/").content.decode()
    assert "Deleted Bob Stone and cancelled 1 upcoming meeting" in listing
    # The past meeting stays in the meetings list, under Past.
    assert "Kick-off" in logged_in.get("/meetings/?view=past").content.decode()


def test_a_contact_the_person_may_not_change_cannot_be_deleted(
    client: Any, member: User, contact: Contact
) -> None:
    mike = colleague("mike")
    client.force_login(mike)
    assert client.get(f"/contacts/{contact.pk}/delete/").status_code == 403
    assert client.post(f"/contacts/{contact.pk}/delete/").status_code == 403
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert "/delete/" not in client.get(f"/contacts/{contact.pk}/").content.decode()


def test_a_contact_whose_upcoming_meeting_the_person_may_not_cancel_is_kept(
    client: Any,
    member: User,
    contact: Contact,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    future_meeting(contact, member, django_capture_on_commit_callbacks)
    # Mike may change every contact, but not the meetings Ann hosts.
    mike = colleague("mike", "team.edit_others_contacts")
    client.force_login(mike)

    refused = client.post(f"/contacts/{contact.pk}/delete/")

    assert refused.status_code == 403
    assert "would cancel the meeting “Demo”" in refused.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_bulk_deletion_names_and_skips_the_contacts_the_person_may_not_delete(
    client: Any,
    member: User,
    contact: Contact,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mike = colleague("mike")
    mikes = Contact.objects.create(email="own@mike.example", last_name="Mikes", owner=mike)
    quiet = Contact.objects.create(email="quiet@mike.example", last_name="Quiet", owner=mike)
    future_meeting(mikes, mike, django_capture_on_commit_callbacks)
    client.force_login(mike)
    ids = {"ids": [contact.pk, mikes.pk, quiet.pk]}

    html = client.get("/contacts/delete/", ids, headers=HTMX).content.decode()
    assert "Delete <strong>2 contacts</strong>?" in html
    assert "1 upcoming meeting will be cancelled" in html
    assert "1 selected contact will be skipped" in html
    assert "<strong>Bob Stone</strong>: Changing another member" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contacts/delete/", ids)
    assert response.status_code == 302
    assert list(Contact.objects.values_list("email", flat=True)) == ["bob@example.org"]
    messages = client.get(response["Location"]).content.decode()
    assert "Deleted 2 contacts and cancelled 1 upcoming meeting" in messages
    assert "Not deleted (1): Bob Stone: Changing another member" in messages


def test_deleting_all_matching_resolves_the_filter_on_the_server(
    client: Any, member: User, contact: Contact
) -> None:
    mike = colleague("mike")
    Contact.objects.bulk_create(
        [Contact(email=f"lead{n}@acme.example", company="Acme", owner=mike) for n in range(120)]
        + [Contact(email="keep@other.example", company="Other", owner=mike)]
    )
    # Ann's contact at Acme is seen but not Mike's to delete: "all matching" leaves it out.
    Contact.objects.filter(pk=contact.pk).update(company="Acme")
    client.force_login(mike)

    html = client.get("/contacts/delete/", {"all": "1", "q": "acme"}, headers=HTMX)
    assert "Delete <strong>120 contacts</strong>?" in html.content.decode()

    response = client.post("/contacts/delete/", {"all": "1", "q": "acme"})
    assert response["Location"] == "/contacts/?q=acme"
    assert sorted(Contact.objects.values_list("email", flat=True)) == [
        "bob@example.org",
        "keep@other.example",
    ]


def test_a_selection_with_a_filter_that_cannot_be_read_deletes_nothing(
    logged_in: Any, contact: Contact
) -> None:
    response = logged_in.post("/contacts/delete/", {"all": "1", "owner": "somebody"})
    assert response.status_code == 302
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert "Owner: choose a team member" in logged_in.get(response["Location"]).content.decode()


def test_hidden_contacts_in_a_selection_are_not_touched(
    client: Any, member: User, contact: Contact
) -> None:
    mike = colleague("mike")
    without(mike, "team.view_others_contacts")
    client.force_login(mike)
    response = client.post("/contacts/delete/", {"ids": [contact.pk]})
    assert Contact.objects.filter(pk=contact.pk).exists()
    html = client.get(response["Location"]).content.decode()
    assert "none of the selected contacts exists" in html and "Bob" not in html
