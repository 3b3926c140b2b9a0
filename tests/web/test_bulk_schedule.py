"""The contacts list's bulk "Schedule meeting" popup: the selection as recipients (removed,
added), a saved action or options set once, one run per popup, and the outcome."""

from __future__ import annotations

import re
from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction, Run
from convener.team.models import User
from tests.access.support import colleague
from tests.dates import winter_day

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
DAY = winter_day()


@pytest.fixture
def leads(member: User) -> list[Contact]:
    """Three of Ann's contacts at Acme, in name order."""
    return [
        Contact.objects.create(
            email=f"{name.lower()}@acme.example",
            first_name=name,
            last_name="Acme",
            company="Acme",
            timezone=zone,
            owner=member,
        )
        for name, zone in [("Ada", "Europe/Paris"), ("Ben", "America/New_York"), ("Cy", "")]
    ]


def hidden(html: str) -> list[tuple[str, str]]:
    """The hidden inputs that carry the selection."""
    return re.findall(r'<input type="hidden" name="([a-z]+)" value="([^"]*)">', html)


def occurrence_of(html: str) -> str:
    return html.split('name="occurrence" value="', 1)[1].split('"', 1)[0]


def recipients_in(html: str) -> list[str]:
    return re.findall(r'<span class="recipient-name"><strong>([^<]+)</strong>', html)


def options(selection: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = {
        **selection,
        "how": "options",
        "title": "Autumn demo",
        "when": "at",
        "date": DAY.isoformat(),
        "time": "10:00",
        "timezone": "Europe/Paris",
        "duration_minutes": "45",
        "attendees": "sales@acme.example",
        "description": "",
        "provider": "jitsi",
        "browser_timezone": "Europe/Paris",
        "occurrence": "popup-1",
    }
    data.update(changes)
    return data


def error_for(html: str, field: str) -> str:
    marker = f'data-field="{field}"'
    assert marker in html, f"no error shown for {field}: {html[:3000]}"
    return html.split(marker, 1)[1].split("</ul>", 1)[0]


def test_the_popup_opens_with_the_selected_contacts_as_recipients(
    logged_in: Any, leads: list[Contact]
) -> None:
    selection = {"ids": [leads[0].pk, leads[2].pk]}
    html = logged_in.get("/contacts/schedule/", selection, headers=HTMX).content.decode()
    assert recipients_in(html) == ["Ada Acme", "Cy Acme"]
    assert "2 recipients" in html
    assert ("ids", str(leads[0].pk)) in hidden(html)
    assert 'name="how" value="options"' in html and 'name="how" value="action"' in html
    assert occurrence_of(html)


def test_select_all_matching_travels_as_the_filter_and_is_resolved_on_the_server(
    logged_in: Any, member: User, leads: list[Contact]
) -> None:
    mike = colleague("mike")
    Contact.objects.create(email="mikes@acme.example", company="Acme", owner=mike)
    Contact.objects.create(email="other@else.example", owner=member)

    html = logged_in.get("/contacts/schedule/", {"all": "1", "q": "acme"}, headers=HTMX)
    html = html.content.decode()

    # Mike's Acme contact is visible to Ann but not hers to change: not a recipient.
    assert recipients_in(html) == ["Ada Acme", "Ben Acme", "Cy Acme"]
    assert "3 recipients" in html and "every matching contact you may change" in html
    assert set(hidden(html)) >= {("all", "1"), ("q", "acme")}
    assert not any(name == "ids" for name, _ in hidden(html))


def test_removing_and_adding_recipients_changes_what_is_scheduled(
    logged_in: Any, member: User, leads: list[Contact]
) -> None:
    extra = Contact.objects.create(email="dee@other.example", first_name="Dee", owner=member)
    selection = {"all": "1", "q": "acme"}

    removed = logged_in.post(
        "/contacts/schedule/recipients/", {**selection, "remove": leads[1].pk}, headers=HTMX
    ).content.decode()
    assert recipients_in(removed) == ["Ada Acme", "Cy Acme"]
    assert ("exclude", str(leads[1].pk)) in hidden(removed)

    found = logged_in.get("/contacts/schedule/search/", {"find": "dee"}, headers=HTMX)
    assert f'name="add" value="{extra.pk}"' in found.content.decode()
    added = logged_in.post(
        "/contacts/schedule/recipients/",
        {**dict(hidden(removed)), "exclude": leads[1].pk, "add": extra.pk},
        headers=HTMX,
    ).content.decode()
    # In the list's order: by last name, and Dee has none.
    assert recipients_in(added) == ["Dee", "Ada Acme", "Cy Acme"]

    carried: dict[str, Any] = {}
    for name, value in hidden(added):
        carried.setdefault(name, []).append(value)
    logged_in.post("/contacts/schedule/", options(carried), headers=HTMX)
    scheduled = set(Meeting.objects.values_list("contact__email", flat=True))
    assert scheduled == {"ada@acme.example", "cy@acme.example", "dee@other.example"}


def test_options_set_once_schedule_every_recipient_at_the_picked_time(
    logged_in: Any, member: User, leads: list[Contact]
) -> None:
    response = logged_in.post(
        "/contacts/schedule/", options({"all": "1", "q": "acme"}), headers=HTMX
    )
    html = response.content.decode()

    run = Run.objects.get()
    assert (run.trigger, run.trigger_source) == ("bulk", f"user-{member.pk}")
    assert run.occurrence == "popup-1"
    assert run.action is None and run.label == "Autumn demo" and run.requested_by == member
    assert "3 meetings scheduled" in html
    assert f'href="/runs/{run.pk}/"' in html and 'href="/meetings/"' in html
    meetings = list(run.meetings().order_by("contact__first_name"))
    assert [m.contact.email for m in meetings if m.contact] == [c.email for c in leads]
    for meeting in meetings:
        assert meeting.local_start.strftime("%Y-%m-%d %H:%M %Z") == f"{DAY.isoformat()} 10:00 CET"
        assert meeting.duration_minutes == 45 and meeting.title == "Autumn demo"
        assert set(meeting.attendees.values_list("email", flat=True)) == {
            meeting.contact.email if meeting.contact else "",
            "sales@acme.example",
        }
    assert MeetingAction.objects.count() == 0  # options set once are not saved as an action


def test_a_saved_action_runs_on_the_recipients(
    logged_in: Any, member: User, leads: list[Contact]
) -> None:
    action = MeetingAction.objects.create(
        name="Spring wave", provider="jitsi", title_template="Hello {{ contact.first_name }}"
    )
    html = logged_in.get(
        "/contacts/schedule/", {"ids": [leads[0].pk]}, headers=HTMX
    ).content.decode()
    assert f'<option value="{action.pk}">Spring wave</option>' in html

    response = logged_in.post(
        "/contacts/schedule/",
        {"ids": [c.pk for c in leads], "how": "action", "action": action.pk, "occurrence": "p2"},
        headers=HTMX,
    )

    run = Run.objects.get()
    assert (run.trigger_source, run.action) == (str(action.pk), action)
    assert "3 meetings scheduled" in response.content.decode()
    assert sorted(run.meetings().values_list("title", flat=True)) == [
        "Hello Ada",
        "Hello Ben",
        "Hello Cy",
    ]


def test_submitting_the_same_popup_twice_is_one_run(logged_in: Any, leads: list[Contact]) -> None:
    opened = logged_in.get("/contacts/schedule/", {"all": "1"}, headers=HTMX).content.decode()
    data = options({"all": "1"}, occurrence=occurrence_of(opened))

    first = logged_in.post("/contacts/schedule/", data, headers=HTMX).content.decode()
    second = logged_in.post("/contacts/schedule/", data, headers=HTMX).content.decode()

    assert Run.objects.count() == 1 and Meeting.objects.count() == 3
    assert "3 meetings scheduled" in first and "3 meetings scheduled" in second
    # The popup opened again is a new launch.
    reopened = logged_in.get("/contacts/schedule/", {"all": "1"}, headers=HTMX).content.decode()
    assert occurrence_of(reopened) != occurrence_of(opened)


def test_contacts_the_person_may_not_change_are_skipped_with_the_reason(
    logged_in: Any, leads: list[Contact]
) -> None:
    mike = colleague("mike")
    mikes = Contact.objects.create(email="m@mike.example", first_name="Moe", owner=mike)
    selection = {"ids": [leads[0].pk, mikes.pk]}

    opened = logged_in.get("/contacts/schedule/", selection, headers=HTMX).content.decode()
    assert "1 of them will be skipped" in opened and "will be skipped</span>" in opened

    html = logged_in.post("/contacts/schedule/", options(selection), headers=HTMX)
    html = html.content.decode()
    assert "1 meeting scheduled" in html and "1 contact skipped" in html
    assert "Changing another member&#x27;s contacts needs the permission" in html
    assert "Moe" in html


def test_bad_options_are_shown_next_to_their_fields_and_nothing_is_scheduled(
    logged_in: Any, leads: list[Contact]
) -> None:
    selection = {"all": "1"}
    html = logged_in.post(
        "/contacts/schedule/", options(selection, timezone="Mars/Base", title=""), headers=HTMX
    ).content.decode()
    assert "Mars/Base" in error_for(html, "timezone")
    assert error_for(html, "title")
    html = logged_in.post(
        "/contacts/schedule/", options(selection, date="2020-01-01"), headers=HTMX
    ).content.decode()
    assert "has passed in Europe/Paris" in error_for(html, "date")
    assert Meeting.objects.count() == 0 and Run.objects.count() == 0
    # What was typed is kept, and the recipients are still there.
    assert 'value="Autumn demo"' in html and "3 recipients" in html


def test_choosing_to_run_an_action_needs_an_action(logged_in: Any, leads: list[Contact]) -> None:
    html = logged_in.post(
        "/contacts/schedule/", {"all": "1", "how": "action", "action": ""}, headers=HTMX
    ).content.decode()
    assert "Choose the action to run." in error_for(html, "action")
    assert Run.objects.count() == 0


def test_no_recipient_is_an_error_not_an_empty_run(logged_in: Any, leads: list[Contact]) -> None:
    html = logged_in.post("/contacts/schedule/", options({}), headers=HTMX).content.decode()
    assert "There is no recipient" in error_for(html, "__all__")
    assert Run.objects.count() == 0


def test_a_lone_recipient_no_account_can_host_is_refused_on_the_provider(
    logged_in: Any, leads: list[Contact]
) -> None:
    html = logged_in.post(
        "/contacts/schedule/", options({"ids": [leads[0].pk]}, provider="zoom"), headers=HTMX
    ).content.decode()
    assert "no Zoom account can host this meeting" in error_for(html, "provider")
    assert Run.objects.count() == 0


def test_many_recipients_without_an_account_are_each_skipped_with_the_reason(
    logged_in: Any, leads: list[Contact]
) -> None:
    html = logged_in.post(
        "/contacts/schedule/", options({"all": "1"}, provider="zoom"), headers=HTMX
    ).content.decode()
    assert "0 meetings scheduled" in html and "3 contacts skipped" in html
    assert "No Zoom account can host this meeting" in html
    assert "Ada Acme, Ben Acme, Cy Acme" in html


def test_without_htmx_the_popup_is_a_page(logged_in: Any, leads: list[Contact]) -> None:
    html = logged_in.get("/contacts/schedule/", {"all": "1"}).content.decode()
    assert "<h1>Schedule meetings</h1>" in html and 'id="bulk-schedule-body"' in html
