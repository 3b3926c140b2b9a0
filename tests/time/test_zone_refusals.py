"""An abbreviation or an old alias is refused wherever a person types a zone, in the same
words in the web forms and the API, with the city zone it most likely means; a value
stored earlier stays readable."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.team.models import User
from convener.timezones import zone_refusal
from convener.web.forms import ContactForm, ScheduleMeetingForm
from convener.web.profile_forms import ProfileForm

pytestmark = pytest.mark.django_db

REFUSED = {
    "EST": "use a city zone such as America/New_York",
    "CET": "use a city zone such as Europe/Paris",
    "US/Eastern": "US/Eastern is an old alias; use a city zone such as America/New_York",
    "GMT": "use a city zone such as Europe/London",
    "europe/paris": "did you mean Europe/Paris?",
    "Mars/Olympus": "Mars/Olympus is not a time zone",
}


@pytest.mark.parametrize(("zone", "hint"), REFUSED.items())
def test_the_contact_form_refuses_it_next_to_the_time_zone(
    member: User, zone: str, hint: str
) -> None:
    form = ContactForm(
        {"email": "eve@example.org", "timezone": zone, "owner": member.pk}, author=member
    )
    assert not form.is_valid()
    assert form.errors["timezone"] == [zone_refusal(zone)]
    assert hint in form.errors["timezone"][0]


@pytest.mark.parametrize("zone", ["EST", "US/Eastern"])
def test_the_popup_and_the_profile_refuse_it_in_the_same_words(member: User, zone: str) -> None:
    popup = ScheduleMeetingForm({"title": "Call", "when": "now", "timezone": zone})
    profile = ProfileForm(
        {"first_name": "Ann", "email": "ann@example.com", "timezone": zone}, instance=member
    )
    assert not popup.is_valid() and not profile.is_valid()
    assert popup.errors["timezone"] == profile.errors["timezone"] == [zone_refusal(zone)]


def test_city_zones_and_utc_are_taken(member: User) -> None:
    for zone in ("Europe/Paris", "America/New_York", "UTC"):
        form = ContactForm(
            {"email": "eve@example.org", "timezone": zone, "owner": member.pk}, author=member
        )
        assert form.is_valid(), form.errors


def test_a_contact_saved_with_an_alias_still_shows_and_editing_it_asks_for_the_city(
    client: Any, member: User
) -> None:
    contact = Contact.objects.create(email="old@example.org", timezone="US/Eastern", owner=member)
    client.force_login(member)
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "US/Eastern" in page
    answer = client.post(
        f"/contacts/{contact.pk}/edit/",
        {"email": contact.email, "timezone": "US/Eastern", "owner": member.pk},
    )
    assert answer.status_code == 200
    assert "use a city zone such as America/New_York" in answer.content.decode()
    contact.refresh_from_db()
    assert contact.timezone == "US/Eastern"  # nothing saved is lost


def _errors(answer: Any) -> dict[str, str]:
    return {error["field"]: error["message"] for error in answer.json()["errors"]}


def test_the_api_refuses_a_contact_zone_in_the_words_of_the_form(
    client: Any, api_post: Any, api_token: str, member: User
) -> None:
    answer = api_post("/contacts", {"email": "eve@example.org", "timezone": "EST"})
    assert answer.status_code == 422
    assert _errors(answer)["timezone"] == zone_refusal("EST")

    contact = Contact.objects.create(email="old@example.org", timezone="US/Eastern", owner=member)
    headers = {"Authorization": f"Bearer {api_token}"}
    # Stored earlier, it is still read back; a change of another field leaves it alone.
    renamed = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"first_name": "Olive"},
        content_type="application/json",
        headers=headers,
    )
    assert renamed.status_code == 200
    assert renamed.json()["timezone"] == "US/Eastern"
    resent = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"timezone": "US/Eastern"},
        content_type="application/json",
        headers=headers,
    )
    assert resent.status_code == 422
    assert _errors(resent)["timezone"] == zone_refusal("US/Eastern")


def test_the_api_refuses_an_action_and_a_meeting_zone_in_the_same_words(
    api_post: Any, contact: Contact
) -> None:
    action = api_post("/actions", {"name": "Wave", "timezone": "CET"})
    assert action.status_code == 422
    assert _errors(action)["timezone"] == zone_refusal("CET")

    meeting = api_post(
        "/meetings", {"contact_ids": [contact.pk], "title": "Call", "timezone": "US/Pacific"}
    )
    assert meeting.status_code == 422
    assert _errors(meeting)["timezone"] == zone_refusal("US/Pacific")


def test_the_api_refuses_a_segment_zone_in_the_same_words(api_post: Any) -> None:
    answer = api_post("/segments", {"name": "Leads", "kind": "static", "timezone": "PST"})
    assert answer.status_code == 422
    assert _errors(answer)["timezone"] == zone_refusal("PST")
