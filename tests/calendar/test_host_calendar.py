"""An event whose meeting is not already a calendar event (Zoom here) is put in its
host's own Google or Outlook calendar by the worker: one entry with the title, the times
and the link, no conference and no attendees (Convener sends the invitations). Moving
the event moves the entry, deleting the event removes it. A Google Meet event is the
Google event itself: no second one. On the fakes, over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from convener.calendar import copies, copy_worker
from convener.calendar.models import CalendarCopy, Event
from convener.crm.models import Contact
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.calendar.conftest import running
from tests.calendar.support import DAY, connect, meeting, save
from tests.conftest import Inbox
from tests.dates import at, utc
from tests.outages.support import fake
from tests.scheduling.support import OWNER, fake_state, run

pytestmark = pytest.mark.django_db


def zoom_event(client: Any, capture: Any, event: Event | None = None, **changes: Any) -> Event:
    """Save a Zoom event, let the worker make its link, then its calendar entry."""
    event = save(client, capture, event, location_type="zoom", **changes)
    run(meeting(event))
    copy_worker.run_due()
    return event


def google_entries(google: FakeServer) -> list[dict[str, Any]]:
    return list(fake_state(google)["accounts"][OWNER]["events"])


def entries(slug: str, server: FakeServer) -> list[dict[str, Any]]:
    """The host's calendar entries at either fake, in one shape: title, start (UTC),
    location, description, attendees, whether it is deleted or a meeting of its own."""
    if slug == "google_meet":
        return [
            {
                "title": e["summary"],
                "start": datetime.fromisoformat(e["start"]["dateTime"]).astimezone(UTC),
                "zone": e["start"]["timeZone"],
                "location": e["location"],
                "description": e["description"],
                "attendees": e["attendees"],
                "deleted": e["deleted"],
                "meeting": bool(e["hangout_link"] or e["conference_status"]),
            }
            for e in google_entries(server)
        ]
    return [
        {
            "title": e["subject"],
            "start": datetime.fromisoformat(e["start"].replace("Z", "+00:00")).astimezone(UTC),
            "zone": e["timeZone"],
            "location": e["location"],
            "description": e["body"],
            "attendees": e["attendees"],
            "deleted": e["deleted"],
            "meeting": e["isOnlineMeeting"],
        }
        for e in fake_state(server)["events"][OWNER]
    ]


@pytest.fixture(params=["google_meet", "microsoft_teams"])
def calendar(request: Any, settings: Any) -> Iterator[tuple[str, FakeServer]]:
    """The host's calendar provider (its fake running): Google or Microsoft."""
    with running(request.param, settings) as server:
        yield request.param, server


def test_a_zoom_event_is_put_in_the_hosts_calendar_and_follows_the_event(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    calendar: tuple[str, FakeServer],
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    slug, server = calendar
    connect(client, member, slug)
    connect(client, member, "zoom")
    event = save(client, capture, location_type="zoom", title="Kick-off")
    copy_worker.run_due()  # before the Zoom link is made: the entry says it is coming
    (entry,) = entries(slug, server)
    assert entry["location"] == "" and "Zoom link is on its way" in entry["description"]
    made = meeting(event)
    run(made)  # the link, made by the worker, goes in the entry too
    copy_worker.run_due()
    (entry,) = entries(slug, server)
    assert entry["title"] == "Kick-off" and entry["location"] == made.join_url
    assert made.join_url in entry["description"] and "Bob" in entry["description"]
    # 10:00 in Berlin, planned there; a plain event, that nobody is invited to by the
    # provider: Convener sends the invitations.
    assert (entry["start"], entry["zone"]) == (utc(DAY, 9), "Europe/Berlin")
    assert entry["attendees"] == [] and not entry["meeting"] and not entry["deleted"]
    page = client.get(f"/calendar/events/{event.pk}/").content.decode()
    assert "In Ann Lee&#x27;s calendar (ann@example.com)" in page

    # Saving again with nothing changed makes no second entry; moving it moves the entry.
    zoom_event(client, capture, event, title="Kick-off")
    zoom_event(client, capture, event, title="Kick-off, moved", start=at(DAY, 14), end=at(DAY, 15))
    (entry,) = entries(slug, server)
    assert (entry["title"], entry["start"]) == ("Kick-off, moved", utc(DAY, 13))

    with capture(execute=True):
        assert client.post(f"/calendar/events/{event.pk}/delete/").status_code == 302
    copy_worker.run_due()
    (entry,) = entries(slug, server)
    assert entry["deleted"]
    assert not CalendarCopy.objects.exists()


def test_a_google_meet_event_is_the_google_event_and_gets_no_second_copy(
    client: Any,
    member: User,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect(client, member, "google_meet")
    event = save(client, django_capture_on_commit_callbacks, location_type="google_meet")
    run(meeting(event))
    copy_worker.run_due()
    (entry,) = google_entries(google)
    assert entry["hangout_link"] == meeting(event).join_url
    assert not CalendarCopy.objects.exists()


def test_a_calendar_that_refuses_says_why_on_the_event_and_a_reconnect_puts_it_there(
    client: Any,
    member: User,
    contact: Contact,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    connect(client, member, "google_meet")
    fake(google, "revoke", {"email": OWNER})
    fake(google, "expire-access-tokens", {})
    event = save(
        client, capture, location_type="address", location_detail="Main St 1", title="Visit"
    )
    copy_worker.run_due()
    page = client.get(f"/calendar/events/{event.pk}/").content.decode()
    assert "Not in Ann Lee&#x27;s calendar" in page and "reconnected" in page
    assert Event.objects.filter(pk=event.pk).exists() and google_entries(google) == []

    with capture(execute=True):
        connect(client, member, "google_meet")
    copy_worker.run_due()
    (entry,) = google_entries(google)
    assert entry["summary"] == "Visit" and entry["location"] == "Main St 1"
    page = client.get(f"/calendar/events/{event.pk}/").content.decode()
    assert "In Ann Lee&#x27;s calendar" in page


def test_a_failed_write_says_why_is_tried_again_and_a_lost_answer_makes_one_entry(
    client: Any,
    member: User,
    google: FakeServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    connect(client, member, "google_meet")
    # Google makes the event, and its answer is lost on the way back.
    fake(google, "faults", {"drop_after_commit_rate": 1.0})
    event = save(
        client,
        django_capture_on_commit_callbacks,
        location_type="phone",
        location_detail="+49 30 1234567",
        contacts="",
        title="Call",
    )
    copy_worker.run_due()
    assert [e["summary"] for e in google_entries(google)] == ["Call"]  # made all the same
    copy = CalendarCopy.objects.get(event=event)
    assert copy.attempts == 1 and copy.due_at is not None and "trying again" in copy.problem
    page = client.get(f"/calendar/events/{event.pk}/").content.decode()
    assert "Not in Ann Lee&#x27;s calendar (ann@example.com) yet" in page

    # Tried again when due: the entry the lost answer was about is found, not doubled.
    fake(google, "faults", {"drop_after_commit_rate": 0.0})
    CalendarCopy.objects.filter(pk=copy.pk).update(due_at=copy.due_at - timedelta(hours=2))
    copy_worker.run_due()
    (entry,) = google_entries(google)
    assert entry["location"] == "+49 30 1234567" and not entry["deleted"]
    copy.refresh_from_db()
    assert (copy.problem, copy.attempts) == ("", 0) and copy.due_at is None


def test_a_step_keeps_a_change_made_meanwhile_and_writes_nothing_once_its_lease_is_gone(
    member: User,
) -> None:
    event = Event.objects.create(
        title="Visit",
        start=utc(DAY, 9),
        end=utc(DAY, 10),
        timezone="Europe/Berlin",
        location_type="address",
        created_by=member,
    )
    copy = CalendarCopy.objects.create(event=event, due_at=timezone.now())
    ((pk, token, seen),) = copy_worker.claim(timezone.now())
    copies.mark_due(CalendarCopy.objects.filter(pk=pk))  # saved again during the step
    copy_worker.step(pk, token, seen)
    copy.refresh_from_db()
    assert copy.due_at is not None and copy.lease_token == ""

    ((pk, token, seen),) = copy_worker.claim(timezone.now())
    CalendarCopy.objects.filter(pk=pk).update(lease_token="another-worker")
    copy_worker.step(pk, token, seen)
    copy.refresh_from_db()
    assert copy.lease_token == "another-worker" and copy.due_at is not None


def test_an_event_moved_to_google_meet_leaves_only_the_meet_event_in_the_calendar(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    google: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    capture = django_capture_on_commit_callbacks
    connect(client, member, "google_meet")
    connect(client, member, "zoom")
    event = zoom_event(client, capture)
    event = save(client, capture, event, location_type="google_meet")
    run(meeting(event))
    copy_worker.run_due()
    live = [e for e in google_entries(google) if not e["deleted"]]
    assert [e["hangout_link"] for e in live] == [meeting(event).join_url]
    page = client.get(f"/calendar/events/{event.pk}/").content.decode()
    assert "calendar (ann@example.com)" not in page  # the Meet event is the one there


def test_the_worker_loop_takes_up_an_entry_a_dead_worker_left(
    client: Any, member: User, google: FakeServer, monkeypatch: Any
) -> None:
    from convener.dispatch import periodic
    from tests.intake.test_worker_sweep import OneRound

    connect(client, member, "google_meet")
    event = Event.objects.create(
        title="Visit",
        start=utc(DAY, 9),
        end=utc(DAY, 10),
        timezone="Europe/Berlin",
        location_type="address",
        location_detail="Main St 1",
        created_by=member,
    )
    # Claimed by a worker that died before its step: no nudge will come for it.
    gone = timezone.now() - timedelta(minutes=1)
    CalendarCopy.objects.create(event=event, due_at=gone, lease_until=gone, lease_token="dead")
    # The test's transaction holds the database connection: the loop must not close it.
    monkeypatch.setattr(periodic, "close_old_connections", lambda: None)
    periodic.registered()["calendar-copies"](OneRound())
    (entry,) = google_entries(google)
    assert (entry["summary"], entry["location"]) == ("Visit", "Main St 1")
