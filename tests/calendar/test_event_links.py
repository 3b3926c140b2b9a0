"""The seed's flows: an event with a video location gets its own link on save, made
through the pipeline with the right person's account; when it cannot be made the event
is saved all the same and says why; a save makes it again, and a link pasted by hand is
kept. Moving the event or changing who is on it updates the meeting and the invitations;
deleting it sends a CANCEL. On every provider's fake, over HTTP on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pytest

from convener.calendar import links
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingState
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.calendar.support import DAY, connect, form, meeting, save
from tests.conftest import Inbox
from tests.dates import at
from tests.outages.support import fake
from tests.scheduling.support import (
    BERLIN,
    CONTACT,
    connect_google,
    connect_zoom,
    fake_state,
    google_event,
    invites,
    run,
)

pytestmark = pytest.mark.django_db


def test_a_google_meet_event_gets_its_own_link_on_save_and_is_the_google_event(
    client: Any,
    member: User,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_google(client, member)
    event = save(client, django_capture_on_commit_callbacks, title="Kick-off")
    made = meeting(event)
    run(made)
    assert made.state == MeetingState.INVITED, made.state_reason
    assert made.join_url.startswith("http")
    assert (made.trigger, made.trigger_source) == ("calendar_event", str(event.pk))
    assert made.start == event.start and made.timezone == "Europe/Berlin"
    # The calendar event at Google is the meeting's own event: one, with the link.
    remote = google_event(google, made)
    assert remote["summary"] == "Kick-off"
    events = fake_state(google)["accounts"]["ann@example.com"]["events"]
    assert len([e for e in events if not e["deleted"]]) == 1
    # In the event view, with whose account made it, and in the invitation.
    page = client.get(f"/calendar/events/{event.pk}/").content.decode()
    assert made.join_url in page
    assert "Link made with Ann Lee&#x27;s Google Meet account" in page
    (invitation,) = invites(smtp_server, CONTACT)
    assert invitation.location == made.join_url
    assert invitation.start == event.start.astimezone(BERLIN)
    # Saving again finds the same meeting: no second link.
    save(client, django_capture_on_commit_callbacks, event)
    assert Meeting.objects.filter(trigger_source=str(event.pk)).count() == 1


def test_every_provider_makes_the_link_with_the_account_of_the_person_saving(
    client: Any,
    member: User,
    contact: Contact,
    provider: str,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect(client, member, provider)
    client.force_login(member)
    event = save(client, django_capture_on_commit_callbacks, location_type=provider)
    made = meeting(event)
    run(made)
    assert made.state == MeetingState.INVITED, made.state_reason
    assert made.provider == provider and made.join_url
    page = client.get(f"/calendar/events/{event.pk}/link/").content.decode()
    assert made.join_url in page
    if provider == "jitsi":
        assert "Jitsi Meet needs no account" in page
    else:
        assert "Link made with Ann Lee" in page


def test_a_team_members_account_hosts_when_the_person_saving_has_none(
    client: Any,
    member: User,
    colleague: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    member.is_superuser = True  # may use other members' accounts
    member.save()
    connect_zoom(client, colleague)
    client.force_login(member)
    event = save(
        client,
        django_capture_on_commit_callbacks,
        location_type="zoom",
        members=[member.pk, colleague.pk],
    )
    made = meeting(event)
    run(made)
    assert made.connection is not None and made.connection.user == colleague
    page = client.get(f"/calendar/events/{event.pk}/").content.decode()
    assert "Link made with Ana Pérez&#x27;s Zoom account" in page


def test_without_an_account_the_event_is_saved_without_a_link_and_says_why(
    logged_in: Any,
    contact: Contact,
    zoom: FakeServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = save(logged_in, django_capture_on_commit_callbacks, location_type="zoom")
    assert links.meeting_of(event) is None
    assert "Nobody on this event has a connected Zoom account" in event.link_problem
    page = logged_in.get(f"/calendar/events/{event.pk}/").content.decode()
    assert "Connect Zoom in Connections" in page
    assert event.title in logged_in.get(f"/calendar/?date={DAY.isoformat()}").content.decode()


def test_a_revoked_token_says_so_and_a_reconnect_then_save_makes_the_link(
    client: Any,
    member: User,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect_google(client, member)
    fake(google, "revoke", {"email": "ann@example.com"})
    fake(google, "expire-access-tokens", {})
    event = save(client, django_capture_on_commit_callbacks)
    made = meeting(event)
    run(made)
    assert made.join_url == ""
    assert made.state == MeetingState.WAITING_CONNECTION, made.state
    page = client.get(f"/calendar/events/{event.pk}/").content.decode()
    assert "No link yet" in page and "Reconnect Google Meet in" in page
    assert event.title in page  # the event is saved all the same

    connect_google(client, member)
    save(client, django_capture_on_commit_callbacks, event)
    made.refresh_from_db()
    run(made)
    assert made.join_url and made.state == MeetingState.INVITED, made.state_reason
    assert Meeting.objects.filter(trigger_source=str(event.pk)).count() == 1


def test_a_link_pasted_by_hand_is_kept(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(member)
    pasted = "https://meet.example.net/our-room"
    event = save(
        client, django_capture_on_commit_callbacks, location_type="zoom", manual_link=pasted
    )
    assert event.link_problem  # nobody has Zoom
    page = client.get(f"/calendar/events/{event.pk}/").content.decode()
    assert pasted in page and "Link pasted by hand" in page

    connect_zoom(client, member)
    event = save(
        client, django_capture_on_commit_callbacks, event, location_type="zoom", manual_link=pasted
    )
    made = meeting(event)
    run(made)
    assert made.join_url == pasted and made.manual_link
    save(
        client, django_capture_on_commit_callbacks, event, location_type="zoom", manual_link=pasted
    )
    made.refresh_from_db()
    run(made)
    assert made.join_url == pasted  # no generated link replaced it
    assert invites(smtp_server, CONTACT)[-1].location == pasted


def test_moving_the_event_or_its_people_updates_the_meeting_and_delete_cancels_it(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    connect_zoom(client, member)
    event = save(client, capture, location_type="zoom")
    made = meeting(event)
    run(made)
    (first,) = invites(smtp_server, CONTACT)

    event = save(client, capture, event, location_type="zoom", start=at(DAY, 14), end=at(DAY, 15))
    run(made)
    moved = invites(smtp_server, CONTACT)[-1]
    assert (moved.method, moved.sequence, moved.uid) == ("REQUEST", 1, first.uid)
    assert moved.start.astimezone(BERLIN).hour == 14

    save(
        client,
        capture,
        event,
        location_type="zoom",
        start=at(DAY, 14),
        end=at(DAY, 15),
        guests="gina@client.example",
    )
    run(made)
    assert invites(smtp_server, "gina@client.example")[-1].uid == first.uid
    assert invites(smtp_server, CONTACT)[-1].sequence == 2

    # Taken off the event, the guest gets a CANCEL: it leaves their calendar.
    save(client, capture, event, location_type="zoom", start=at(DAY, 14), end=at(DAY, 15))
    run(made)
    dropped = invites(smtp_server, "gina@client.example")[-1]
    assert (dropped.method, dropped.uid) == ("CANCEL", first.uid)
    assert invites(smtp_server, CONTACT)[-1].sequence == 3

    with capture(execute=True):
        answer = client.post(f"/calendar/events/{event.pk}/delete/")
    assert answer.status_code == 302
    run(made)
    assert made.state == MeetingState.CANCELLED
    cancelled = invites(smtp_server, CONTACT)[-1]
    assert cancelled.method == "CANCEL" and cancelled.uid == first.uid


def test_bad_input_is_named_next_to_its_field_and_saves_nothing(logged_in: Any) -> None:
    answer = logged_in.post(
        "/calendar/events/new/",
        form(end=at(DAY, 9), contacts="", location_type="address"),
        headers={"HX-Request": "true"},
    )
    page = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-field="end"' in page and "the end must be after the start" in page
    assert 'data-field="location_detail"' in page
    answer = logged_in.post(
        "/calendar/events/new/", form(contacts="nobody@x.example"), headers={"HX-Request": "true"}
    )
    assert "no contact with the email nobody@x.example" in answer.content.decode()


def test_an_event_left_without_a_link_gets_it_by_itself_once_an_account_is_connected(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(member)
    event = save(client, django_capture_on_commit_callbacks, location_type="zoom")
    assert links.meeting_of(event) is None and event.link_problem
    with django_capture_on_commit_callbacks(execute=True):
        connect_zoom(client, member)
    event.refresh_from_db()
    made = meeting(event)
    run(made)
    assert made.join_url and event.link_problem == ""
    assert invites(smtp_server, CONTACT)[-1].location == made.join_url


def test_a_guest_alone_becomes_the_contact_the_meeting_is_with(
    logged_in: Any, member: User, smtp_server: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    event = save(
        logged_in,
        django_capture_on_commit_callbacks,
        location_type="jitsi",
        contacts="",
        guests="gina@client.example",
    )
    made = meeting(event)
    assert made.contact is not None and made.contact.email == "gina@client.example"
    assert made.contact.owner == member
    run(made)
    assert invites(smtp_server, "gina@client.example")[-1].location == made.join_url
