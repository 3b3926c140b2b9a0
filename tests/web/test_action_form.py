"""The action form: every option of the "Schedule Online Meeting" settings, saved in the
planner's shape from friendly fields, with errors next to the field that caused them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from convener.crm.models import CustomField
from convener.meetings.models import MeetingAction
from convener.team.models import User
from convener.web.timing_fields import fields_from_timing, form_field_for, timing_from_fields
from tests.dates import winter_day

pytestmark = pytest.mark.django_db

DAY = winter_day()


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Demo day",
        "provider": "jitsi",
        "credentials": "contact_owner",
        "fallback": "organization",
        "named_user": "",
        "title_template": "Demo with {{ contact.first_name }}",
        "description_template": "",
        "duration_minutes": "30",
        "timing_mode": "smart",
        "delay_amount": "1",
        "delay_unit": "hours",
        "fixed_date": "",
        "fixed_time": "",
        "field_key": "",
        "time_of_day": "",
        "smart_start_date": DAY.isoformat(),
        "smart_start_time": "09:00",
        "gap_minutes": "10",
        "window_from": "09:00",
        "window_to": "17:00",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "per_host": "owner",
        "max_per_day": "",
        "timezone": "Europe/Paris",
        "timezone_chain": ["browser", "contact", "action", "default"],
        "external_emails": "",
        "send_invitations": "on",
        "include_attendees": "on",
        "passcode": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def signed_in(client: Any, member: User) -> Any:
    client.force_login(member)
    return client


def error_for(response: Any, field: str) -> str:
    html = str(response.content.decode())
    marker = f'data-field="{field}"'
    assert marker in html, f"no error shown for {field}"
    return html.split(marker, 1)[1].split("</ul>", 1)[0]


def test_a_smart_action_is_saved_in_the_planners_shape(signed_in: Any, member: User) -> None:
    response = signed_in.post("/actions/new/", form_data())
    action = MeetingAction.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/actions/{action.pk}/"
    assert action.timing == {
        "mode": "smart",
        "start": f"{DAY.isoformat()}T09:00",
        "gap_minutes": 10,
        "window": {"from": "09:00", "to": "17:00"},
        "days": "weekdays",
        "per_host": True,
    }
    assert (action.timezone, action.created_by, action.credentials) == (
        "Europe/Paris",
        member,
        "contact_owner",
    )
    page = signed_in.get(f"/actions/{action.pk}/").content.decode()
    assert "09:00 to 17:00 on weekdays in Europe/Paris" in page
    assert "10 minutes apart" in page


def test_the_edit_page_shows_friendly_fields_and_never_the_json(signed_in: Any) -> None:
    signed_in.post("/actions/new/", form_data(max_per_day="6", per_host="one"))
    action = MeetingAction.objects.get()
    html = signed_in.get(f"/actions/{action.pk}/edit/").content.decode()
    assert 'name="window_from" value="09:00"' in html
    assert 'name="max_per_day" value="6"' in html
    assert re.search(r"value=\"one\"[^>]*checked", html)
    assert '"mode"' not in html and "&quot;mode&quot;" not in html


def test_each_timing_mode_is_stored_with_its_own_settings_only(signed_in: Any) -> None:
    CustomField.objects.create(key="preferred", label="Preferred date", kind="date")
    cases = {
        "immediate": ({}, {"mode": "immediate"}),
        "delay": (
            {"delay_amount": "2", "delay_unit": "days"},
            {"mode": "delay", "delay": {"amount": 2, "unit": "days"}},
        ),
        "fixed": (
            {"fixed_date": DAY.isoformat(), "fixed_time": "14:30"},
            {"mode": "fixed", "at": f"{DAY.isoformat()}T14:30"},
        ),
        "field": (
            {"field_key": "preferred", "time_of_day": "10:00"},
            {"mode": "field", "field": "preferred", "time_of_day": "10:00"},
        ),
    }
    for mode, (fields, timing) in cases.items():
        response = signed_in.post("/actions/new/", form_data(name=mode, timing_mode=mode, **fields))
        assert response.status_code == 302, response.content.decode()[:3000]
        assert MeetingAction.objects.get(name=mode).timing == timing


def test_a_window_that_ends_before_it_starts_is_shown_next_to_its_end(signed_in: Any) -> None:
    response = signed_in.post("/actions/new/", form_data(window_from="17:00", window_to="09:00"))
    assert response.status_code == 200
    assert "later than the start of the working hours (17:00)" in error_for(response, "window_to")
    assert not MeetingAction.objects.exists()


def test_midnight_as_the_end_of_the_window_means_the_end_of_the_day(signed_in: Any) -> None:
    signed_in.post("/actions/new/", form_data(window_from="18:00", window_to="00:00"))
    assert MeetingAction.objects.get().timing["window"] == {"from": "18:00", "to": "24:00"}


def test_a_fixed_time_in_the_past_is_named_in_words_in_the_actions_zone(signed_in: Any) -> None:
    past = date(2020, 12, 1)  # a Tuesday, whatever today is
    response = signed_in.post(
        "/actions/new/",
        form_data(
            timing_mode="fixed",
            fixed_date=past.isoformat(),
            fixed_time="10:00",
            timezone="Asia/Shanghai",
        ),
    )
    message = error_for(response, "fixed_date")
    assert "10:00 on Tue 1 Dec 2020 in Asia/Shanghai is in the past" in message
    assert not re.search(r"\d{4}-\d{2}-\d{2}T|UTC|\+00:00", message)
    assert not MeetingAction.objects.exists()


def test_an_unknown_placeholder_is_shown_next_to_the_title(signed_in: Any) -> None:
    response = signed_in.post("/actions/new/", form_data(title_template="Hi {{ contact.nick }}"))
    assert "Unknown placeholder {{ contact.nick }}" in error_for(response, "title_template")


def test_the_picker_offers_every_placeholder_and_the_custom_fields(signed_in: Any) -> None:
    CustomField.objects.create(key="plan", label="Plan")
    html = signed_in.get("/actions/new/").content.decode()
    assert 'data-insert-placeholder="contact.first_name"' in html
    assert 'data-insert-placeholder="contact.fields.plan"' in html
    assert "the contact&#x27;s Plan" in html
    # A custom field may be used once it exists.
    response = signed_in.post(
        "/actions/new/", form_data(title_template="{{ contact.fields.plan }} call")
    )
    assert response.status_code == 302


def test_a_date_only_field_needs_a_time_of_day(signed_in: Any) -> None:
    CustomField.objects.create(key="preferred", label="Preferred date", kind="date")
    response = signed_in.post(
        "/actions/new/", form_data(timing_mode="field", field_key="preferred", time_of_day="")
    )
    assert "time of day" in error_for(response, "time_of_day")


def test_smart_scheduling_needs_at_least_one_day(signed_in: Any) -> None:
    response = signed_in.post("/actions/new/", form_data(days=[]))
    assert "at least one day" in error_for(response, "days")


def test_an_unknown_action_zone_is_shown_next_to_the_zone(signed_in: Any) -> None:
    response = signed_in.post("/actions/new/", form_data(timezone="Mars/Base"))
    assert "Mars/Base" in error_for(response, "timezone")


def test_the_zone_chain_is_kept_in_the_order_chosen(signed_in: Any) -> None:
    signed_in.post("/actions/new/", form_data(timezone_chain=["contact", "default", "action"]))
    action = MeetingAction.objects.get()
    assert action.timezone_chain == ["contact", "default", "action"]
    html = signed_in.get(f"/actions/{action.pk}/edit/").content.decode()
    order = [html.index(f'name="timezone_chain" value="{link}"') for link in action.chain]
    assert order == sorted(order)
    assert html.index('value="browser"') > order[-1]  # left out, listed last, unticked


def test_a_named_user_is_required_when_their_account_is_chosen(signed_in: Any) -> None:
    response = signed_in.post("/actions/new/", form_data(credentials="named_user"))
    assert "Name the user" in error_for(response, "named_user")
    response = signed_in.post("/actions/new/", form_data(fallback="named_user"))
    assert "Name the user" in error_for(response, "named_user")


def test_attendees_invitations_and_passcode_are_kept(signed_in: Any, member: User) -> None:
    colleague = User.objects.create_user("cleo", "cleo@example.com", "x")
    response = signed_in.post(
        "/actions/new/",
        form_data(
            internal_attendees=[str(colleague.pk)],
            external_emails="a@example.net, b@example.net",
            send_invitations="",
            include_attendees="",
            passcode="4711",
            provider="zoom",
            credentials="named_user",
            named_user=str(member.pk),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    action = MeetingAction.objects.get()
    assert list(action.internal_attendees.all()) == [colleague]
    assert action.external_emails == ["a@example.net", "b@example.net"]
    assert (action.send_invitations, action.include_attendees, action.passcode) == (
        False,
        False,
        "4711",
    )
    assert action.named_user == member
    response = signed_in.post("/actions/new/", form_data(external_emails="not-an-address"))
    assert "not a valid email address" in error_for(response, "external_emails")


def test_editing_changes_the_action_and_a_bad_edit_loses_nothing(signed_in: Any) -> None:
    signed_in.post("/actions/new/", form_data())
    action = MeetingAction.objects.get()
    bad = signed_in.post(
        f"/actions/{action.pk}/edit/", form_data(name="Renamed", duration_minutes="1")
    )
    assert "duration" in error_for(bad, "duration_minutes").lower() or "5" in error_for(
        bad, "duration_minutes"
    )
    action.refresh_from_db()
    assert action.name == "Demo day"
    signed_in.post(f"/actions/{action.pk}/edit/", form_data(name="Renamed", gap_minutes="0"))
    action.refresh_from_db()
    assert (action.name, action.timing["gap_minutes"]) == ("Renamed", 0)


def test_duplicating_fills_in_a_new_action_and_saves_only_when_asked(signed_in: Any) -> None:
    signed_in.post("/actions/new/", form_data())
    original = MeetingAction.objects.get()
    html = signed_in.get(f"/actions/{original.pk}/duplicate/").content.decode()
    assert 'value="Copy of Demo day"' in html and 'action="/actions/new/"' in html
    assert MeetingAction.objects.count() == 1
    signed_in.post("/actions/new/", form_data(name="Copy of Demo day"))
    copy = MeetingAction.objects.get(name="Copy of Demo day")
    assert copy.pk != original.pk and copy.timing == original.timing


def test_the_list_shows_each_action_with_its_timing_in_words(signed_in: Any) -> None:
    signed_in.post("/actions/new/", form_data())
    html = signed_in.get("/actions/").content.decode()
    assert "Demo day" in html and "Smart scheduling" in html and "Never" in html


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("timing.window.to", "window_to"),
        ("timing.window", "window_from"),
        ("timing.days[2]", "days"),
        ("timing.delay.amount", "delay_amount"),
        ("timing.at", "fixed_date"),
        ("timing.start", "smart_start_date"),
        ("timing.max_per_host_per_day", "max_per_day"),
        ("timezone_chain[1]", "timezone_chain"),
        ("timing", "timing_mode"),
        ("title_template", "title_template"),
    ],
)
def test_every_planner_key_points_at_its_form_field(key: str, field: str) -> None:
    assert form_field_for(key) == field


@pytest.mark.parametrize(
    "timing",
    [
        {"mode": "immediate"},
        {"mode": "delay", "delay": {"amount": 3, "unit": "weeks"}},
        {"mode": "fixed", "at": "2030-06-01T08:15"},
        {"mode": "field", "field": "preferred"},
        {
            "mode": "smart",
            "start": "2030-06-03T09:00",
            "gap_minutes": 5,
            "window": {"from": "08:00", "to": "24:00"},
            "days": ["mon", "wed"],
            "per_host": False,
            "max_per_host_per_day": 4,
        },
    ],
)
def test_a_stored_timing_survives_the_form_unchanged(timing: dict[str, Any]) -> None:
    assert timing_from_fields(fields_from_timing(timing)) == timing


def test_settings_of_a_mode_not_chosen_never_block_saving(signed_in: Any) -> None:
    response = signed_in.post(
        "/actions/new/",
        form_data(timing_mode="immediate", gap_minutes="", delay_amount="", window_to="x"),
    )
    assert response.status_code == 302
    assert MeetingAction.objects.get().timing == {"mode": "immediate"}
