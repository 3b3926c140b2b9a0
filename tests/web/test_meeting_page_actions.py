"""The meeting page's actions as a person uses them: Reschedule, Set a link by hand,
Cancel meeting (after a confirmation) and Retry now, with and without htmx.

These tests add `convener.web.views.lifecycle.urlpatterns` to the site's URLs themselves,
as written before convener/web/urls.py included them; the site's own come first.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.urls import include, path
from django.utils import timezone

from convener.crm.models import Contact
from convener.meetings.models import Meeting
from convener.team.models import User
from convener.urls import urlpatterns as site_urls
from convener.web.views import lifecycle as lifecycle_views
from tests.conftest import Inbox
from tests.scheduling.support import BERLIN, CONTACT, in_days, invites, run, schedule

urlpatterns = [*site_urls, path("", include(lifecycle_views.urlpatterns))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

HTMX = {"HX-Request": "true"}


@pytest.fixture
def meeting(
    client: Any,
    member: User,
    contact: Contact,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> Meeting:
    client.force_login(member)
    return schedule(member, contact, "jitsi", django_capture_on_commit_callbacks)


def form_data(meeting: Meeting, **changes: Any) -> dict[str, Any]:
    local = meeting.local_start
    data = {
        "title": meeting.title,
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "timezone": meeting.timezone,
        "duration_minutes": meeting.duration_minutes,
        "description": meeting.description,
    }
    data.update(changes)
    return data


def test_the_reschedule_form_opens_filled_in_as_a_page_and_inside_the_meeting_page(
    client: Any, meeting: Meeting
) -> None:
    page = client.get(f"/meetings/{meeting.pk}/reschedule/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<html" in html and "Reschedule" in html  # a page of its own without htmx
    local = meeting.local_start
    assert f'value="{local.date().isoformat()}"' in html
    assert f'value="{local:%H:%M}"' in html and 'value="Europe/Berlin"' in html

    partial = client.get(f"/meetings/{meeting.pk}/reschedule/", headers=HTMX).content.decode()
    assert "<html" not in partial and 'id="reschedule-form"' in partial


def test_rescheduling_from_the_page_moves_the_meeting_and_sends_the_update(
    client: Any, meeting: Meeting, smtp_server: Inbox
) -> None:
    new = in_days(18, 14, 45)
    answer = client.post(
        f"/meetings/{meeting.pk}/reschedule/",
        form_data(
            meeting, date=new.date().isoformat(), time="14:45", duration_minutes=50, title="Moved"
        ),
    )
    assert answer.status_code == 302 and answer.url == f"/meetings/{meeting.pk}/"
    page = client.get(answer.url).content.decode()
    assert "The invitations go out again" in page

    run(meeting)
    assert (meeting.title, meeting.sequence, meeting.state) == ("Moved", 1, "invited")
    _, update = invites(smtp_server, CONTACT)
    assert update.start == new.replace(tzinfo=BERLIN)
    assert update.end - update.start == timedelta(minutes=50)


def test_a_rescheduled_htmx_form_reloads_the_meeting_page(client: Any, meeting: Meeting) -> None:
    new = in_days(19, 9)
    answer = client.post(
        f"/meetings/{meeting.pk}/reschedule/",
        form_data(meeting, date=new.date().isoformat(), time="09:00"),
        headers=HTMX,
    )
    assert answer.status_code == 200
    assert answer["HX-Redirect"] == f"/meetings/{meeting.pk}/"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date": "2001-02-03"}, "date", "in the past"),
        ({"timezone": "Mars/Olympus"}, "timezone", "is not a time zone"),
        ({"duration_minutes": "3"}, "duration_minutes", "greater than or equal to 5"),
        ({"title": ""}, "title", "required"),
    ],
)
def test_a_bad_reschedule_shows_the_error_at_its_field_and_changes_nothing(
    client: Any, meeting: Meeting, changes: dict[str, Any], field: str, message: str
) -> None:
    saved = Meeting.objects.filter(pk=meeting.pk).values().get()
    answer = client.post(
        f"/meetings/{meeting.pk}/reschedule/", form_data(meeting, **changes), headers=HTMX
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    error = html[html.index(f'data-field="{field}"') :]
    assert message in error[: error.index("</ul>")]
    assert Meeting.objects.filter(pk=meeting.pk).values().get() == saved


def test_saving_the_form_unchanged_keeps_an_immediate_meeting_as_it_is(
    client: Any, meeting: Meeting
) -> None:
    started = timezone.now() - timedelta(minutes=20, seconds=17)  # "now", twenty minutes ago
    Meeting.objects.filter(pk=meeting.pk).update(start=started, end=started + timedelta(minutes=30))
    meeting.refresh_from_db()
    answer = client.post(f"/meetings/{meeting.pk}/reschedule/", form_data(meeting))
    assert answer.status_code == 302
    assert "Nothing changed" in client.get(answer.url).content.decode()
    meeting.refresh_from_db()
    assert (meeting.start, meeting.sequence, meeting.state) == (started, 0, "invited")


def test_saving_the_form_of_a_meeting_without_a_link_makes_it_again(
    client: Any, meeting: Meeting, smtp_server: Inbox
) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(
        state="link_failed", join_url="", provider_meeting_id="", next_attempt_at=None
    )
    meeting.refresh_from_db()
    form = client.get(f"/meetings/{meeting.pk}/reschedule/").content.decode()
    assert "saving makes it again" in form

    answer = client.post(f"/meetings/{meeting.pk}/reschedule/", form_data(meeting))
    assert answer.status_code == 302
    assert "The link is being made again" in client.get(answer.url).content.decode()
    meeting.refresh_from_db()
    assert meeting.state == "planned" and meeting.next_attempt_at is not None
    run(meeting)
    assert meeting.state == "invited" and meeting.join_url.startswith("https://meet.jit.si/")


def test_a_link_set_by_hand_goes_out_and_a_bad_one_is_refused(
    client: Any, meeting: Meeting, smtp_server: Inbox
) -> None:
    bad = client.post(f"/meetings/{meeting.pk}/link/", {"join_url": "ftp://x.example.com/r"})
    assert bad.status_code == 200
    assert 'data-field="join_url"' in bad.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).manual_link is False

    answer = client.post(
        f"/meetings/{meeting.pk}/link/", {"join_url": "https://rooms.example.com/review"}
    )
    assert answer.status_code == 302
    run(meeting)
    assert (meeting.join_url, meeting.manual_link) == ("https://rooms.example.com/review", True)
    assert invites(smtp_server, CONTACT)[-1].location == "https://rooms.example.com/review"
    # The form shows the link it holds, to change or to clear.
    form = client.get(f"/meetings/{meeting.pk}/link/").content.decode()
    assert 'value="https://rooms.example.com/review"' in form


def test_cancel_asks_first_and_then_tells_the_attendees(
    client: Any, meeting: Meeting, smtp_server: Inbox
) -> None:
    confirm = client.get(f"/meetings/{meeting.pk}/cancel/").content.decode()
    assert "This cannot be undone" in confirm and "Keep it" in confirm
    assert Meeting.objects.get(pk=meeting.pk).cancel_requested is False  # asking changes nothing

    answer = client.post(f"/meetings/{meeting.pk}/cancel/")
    assert answer.status_code == 302
    run(meeting)
    assert meeting.state == "cancelled"
    assert invites(smtp_server, CONTACT)[-1].method == "CANCEL"
    # Afterwards the actions are gone and the forms send the person back to the meeting.
    assert (
        render_to_string("web/meetings/lifecycle/actions.html", {"meeting": meeting}).strip() == ""
    )
    again = client.get(f"/meetings/{meeting.pk}/reschedule/")
    assert again.status_code == 302 and again.url == f"/meetings/{meeting.pk}/"


def test_retry_now_is_offered_for_a_failed_link_and_makes_it_due(
    client: Any, meeting: Meeting
) -> None:
    actions = render_to_string("web/meetings/lifecycle/actions.html", {"meeting": meeting})
    assert "Reschedule" in actions and "Cancel meeting" in actions
    assert "Retry now" not in actions  # an invited meeting has nothing to retry

    later = timezone.now() + timedelta(hours=1)
    Meeting.objects.filter(pk=meeting.pk).update(
        state="link_failed", join_url="", provider_meeting_id="", next_attempt_at=later
    )
    meeting.refresh_from_db()
    actions = render_to_string("web/meetings/lifecycle/actions.html", {"meeting": meeting})
    assert "Retry now" in actions

    assert client.get(f"/meetings/{meeting.pk}/retry/").status_code == 405
    answer = client.post(f"/meetings/{meeting.pk}/retry/")
    assert answer.status_code == 302
    assert "Trying again now" in client.get(answer.url).content.decode()
    meeting.refresh_from_db()
    assert meeting.next_attempt_at is not None and meeting.next_attempt_at <= timezone.now()


def test_the_actions_need_a_signed_in_person(client: Any, meeting: Meeting) -> None:
    client.logout()
    for url in ("reschedule", "link", "cancel", "retry"):
        answer = client.post(f"/meetings/{meeting.pk}/{url}/")
        assert answer.status_code == 302 and answer.url.startswith("/login/")
    assert Meeting.objects.get(pk=meeting.pk).sequence == 0


def test_the_meeting_page_offers_the_actions_outside_the_part_that_reloads_itself(
    client: Any, meeting: Meeting
) -> None:
    assert 'id="meeting-actions"' in client.get(f"/meetings/{meeting.pk}/").content.decode()
    # What htmx fetches every two seconds and swaps in must not hold the forms.
    polled = client.get(f"/meetings/{meeting.pk}/", headers=HTMX).content.decode()
    assert 'id="meeting-status"' in polled and 'id="meeting-actions"' not in polled


def test_a_failed_link_shows_one_retry_button_in_the_part_that_follows_the_state(
    client: Any, meeting: Meeting
) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(
        state="link_failed", join_url="", provider_meeting_id="", next_attempt_at=None
    )
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert page.count("Retry now") == 1
    assert "Retry now" in client.get(f"/meetings/{meeting.pk}/", headers=HTMX).content.decode()
