"""A contact's custom fields in the contact form and on its page: an input of each field's
kind, errors that name the field, and values saved as the API stores them."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from convener.crm.fields import clean_field_values
from convener.crm.models import Contact, CustomField

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(db: Any) -> dict[str, CustomField]:
    return {
        "plan": CustomField.objects.create(
            key="plan", label="Plan", kind="choice", choices=["Basic", "Pro"]
        ),
        "seats": CustomField.objects.create(key="seats", label="Seats", kind="number"),
        "renewal": CustomField.objects.create(key="renewal", label="Renewal date", kind="date"),
        "call_at": CustomField.objects.create(
            key="call_at", label="Preferred call time", kind="datetime"
        ),
        "notes": CustomField.objects.create(key="notes", label="Notes", kind="text"),
        "vip": CustomField.objects.create(key="vip", label="VIP", kind="boolean"),
    }


def form(contact: Contact, member: Any, company: str = "", **custom: str) -> dict[str, Any]:
    data = {
        "email": contact.email,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "company": company or contact.company,
        "timezone": contact.timezone,
        "owner": member.pk,
    }
    data.update({f"field_{key}": value for key, value in custom.items()})
    return data


def error_for(html: str, name: str) -> str:
    marker = f'data-field="{name}"'
    assert marker in html, f"no error shown for {name}"
    return html.split(marker, 1)[1].split("</ul>", 1)[0]


def test_each_kind_gets_its_own_input(logged_in: Any, contact: Contact, fields: Any) -> None:
    html = logged_in.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert '<input type="number" name="field_seats" step="any"' in html
    assert '<input type="date" name="field_renewal"' in html
    assert '<input type="datetime-local" name="field_call_at"' in html
    assert '<select name="field_plan"' in html and '<option value="Pro">Pro</option>' in html
    assert '<option value="true">Yes</option>' in html
    assert '<label for="id_field_call_at">Preferred call time</label>' in html


def test_typed_values_are_saved_as_their_kind_and_shown_on_the_contact_page(
    logged_in: Any, member: Any, contact: Contact, fields: Any
) -> None:
    response = logged_in.post(
        f"/contacts/{contact.pk}/edit/",
        form(
            contact,
            member,
            plan="Pro",
            seats="12",
            renewal="2031-03-01",
            call_at="2031-03-02T15:30",
            notes="  Met in Lisbon ",
            vip="true",
        ),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.fields == {
        "plan": "Pro",
        "seats": 12,
        "renewal": "2031-03-01",
        "call_at": "2031-03-02T15:30",
        "notes": "Met in Lisbon",
        "vip": True,
    }
    page = logged_in.get(f"/contacts/{contact.pk}/").content.decode()
    assert "<dt>Renewal date</dt><dd>Sat 1 Mar 2031</dd>" in page
    assert "<dt>Preferred call time</dt><dd>Sun 2 Mar 2031, 15:30</dd>" in page
    assert "<dt>VIP</dt><dd>Yes</dd>" in page
    assert "<dt>Seats</dt><dd>12</dd>" in page


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("seats", "a dozen", "Seats: “a dozen” is not a number, like 12 or 3.5."),
        ("seats", "1e999", "Seats: “1e999” is not a number, like 12 or 3.5."),
        ("renewal", "next spring", "Renewal date: “next spring” is not a date, like 2026-12-03."),
        ("call_at", "soon", "Preferred call time: “soon” is not a date and time, like"),
        ("plan", "Gold", "Plan: “Gold” is not one of Basic, Pro."),
        ("vip", "maybe", "VIP: “maybe” is not yes or no (true or false)."),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_with_a_message_naming_the_field(
    logged_in: Any, member: Any, contact: Contact, fields: Any, key: str, value: str, message: str
) -> None:
    contact.fields = {"notes": "kept"}
    contact.save()
    response = logged_in.post(
        f"/contacts/{contact.pk}/edit/", form(contact, member, company="Changed", **{key: value})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in error_for(html, f"field_{key}").replace("&#x27;", "'")
    if key not in {"plan", "vip"}:  # what was typed is kept
        assert f'value="{value}"' in html
    contact.refresh_from_db()
    assert (contact.company, contact.fields) == ("", {"notes": "kept"})


def test_a_value_the_form_cannot_show_survives_a_save(
    logged_in: Any, member: Any, contact: Contact, fields: Any
) -> None:
    """An offset the date-time input cannot show, a choice no longer offered and a field
    no longer defined are kept when the contact is saved for another reason."""
    contact.fields = {
        "call_at": "2031-03-02T15:30:00+02:00",
        "plan": "Legacy",
        "old_key": "from an import",
    }
    contact.save()
    edit = logged_in.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert 'value="2031-03-02T15:30"' in edit
    assert '<option value="Legacy" selected>Legacy (no longer offered)</option>' in edit

    response = logged_in.post(
        f"/contacts/{contact.pk}/edit/",
        form(contact, member, company="Acme", call_at="2031-03-02T15:30", plan="Legacy"),
    )
    assert response.status_code == 302, response.content.decode()
    contact.refresh_from_db()
    assert contact.company == "Acme"
    assert contact.fields == {
        "call_at": "2031-03-02T15:30:00+02:00",
        "plan": "Legacy",
        "old_key": "from an import",
    }


def test_emptying_an_input_removes_the_value(
    logged_in: Any, member: Any, contact: Contact, fields: Any
) -> None:
    contact.fields = {"seats": 4, "notes": "x"}
    contact.save()
    logged_in.post(f"/contacts/{contact.pk}/edit/", form(contact, member, seats="", notes="x"))
    contact.refresh_from_db()
    assert contact.fields == {"notes": "x"}


def test_a_new_contact_gets_its_custom_fields(logged_in: Any, member: Any, fields: Any) -> None:
    response = logged_in.post(
        "/contacts/new/",
        {"email": "new@client.example", "owner": member.pk, "field_plan": "Basic"},
    )
    assert response.status_code == 302
    assert Contact.objects.get(email="new@client.example").fields == {"plan": "Basic"}


def test_the_api_checks_choices_too(fields: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_field_values({"plan": "Gold", "seats": "1.5"})
    assert refused.value.message_dict == {"fields.plan": ["Plan: 'Gold' is not one of Basic, Pro"]}
    assert clean_field_values({"plan": "Pro", "seats": "1.5"}) == {"plan": "Pro", "seats": 1.5}


def test_a_choice_field_needs_choices_and_others_take_none(db: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        CustomField(key="tier", label="Tier", kind="choice").full_clean()
    assert "at least one choice" in str(refused.value.message_dict["choices"])
    with pytest.raises(ValidationError) as twice:
        CustomField(key="tier", label="Tier", kind="choice", choices=["A", "a"]).full_clean()
    assert "there twice" in str(twice.value.message_dict["choices"])
    with pytest.raises(ValidationError):
        CustomField(key="size", label="Size", kind="number", choices=["A"]).full_clean()
    CustomField(key="tier", label="Tier", kind="choice", choices=["A", "B"]).full_clean()
