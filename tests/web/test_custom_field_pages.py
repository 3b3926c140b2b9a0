"""The custom field pages, as an administrator uses them: list, create, edit (the key
fixed), reorder, and delete after a confirmation that says what uses the field."""

from __future__ import annotations

import re
from typing import Any

import pytest

from convener.crm.models import Contact, CustomField
from convener.segments.models import Segment
from convener.team.models import User
from tests.segments.support import condition, rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client: Any, db: Any) -> Any:
    user = User.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(user)
    return client


def field_errors(html: str, name: str) -> list[str]:
    found = re.search(rf'data-field="{name}" role="alert">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def test_an_administrator_makes_a_choice_field_that_the_contact_form_offers(
    admin: Any, member: User
) -> None:
    response = admin.post(
        "/custom-fields/new/",
        {
            "label": "Plan",
            "key": "",
            "kind": "choice",
            "help_text": "What they pay for",
            "choices": "Free\nPro\n\nTeam\n",
        },
    )
    assert response.status_code == 302
    field = CustomField.objects.get()
    assert (field.key, field.choices, field.help_text) == (
        "plan",
        ["Free", "Pro", "Team"],
        "What they pay for",
    )
    listing = admin.get("/custom-fields/").content.decode()
    assert "Plan" in listing and "Free, Pro, Team" in listing
    form = admin.get("/contacts/new/").content.decode()
    assert 'name="field_plan"' in form and ">Pro</option>" in form
    assert "What they pay for" in form


def test_a_bad_key_and_a_choice_field_without_choices_are_named(admin: Any) -> None:
    html = admin.post(
        "/custom-fields/new/", {"label": "Tier", "key": "Tier-1", "kind": "choice", "choices": ""}
    ).content.decode()
    assert "lower-case letters" in " ".join(field_errors(html, "key"))
    assert not CustomField.objects.exists()
    html = admin.post(
        "/custom-fields/new/", {"label": "Tier", "key": "", "kind": "choice", "choices": ""}
    ).content.decode()
    assert "at least one choice" in html
    assert not CustomField.objects.exists()


def test_a_key_already_taken_is_refused(admin: Any) -> None:
    CustomField.objects.create(key="plan", label="Plan")
    html = admin.post("/custom-fields/new/", {"label": "Plan", "kind": "text"}).content.decode()
    assert "already a custom field with the key “plan”" in " ".join(field_errors(html, "key"))


def test_editing_keeps_the_key(admin: Any) -> None:
    field = CustomField.objects.create(key="plan", label="Plan")
    page = admin.get(f"/custom-fields/{field.pk}/").content.decode()
    assert 'name="key"' not in page and "data-fixed-key" in page
    admin.post(
        f"/custom-fields/{field.pk}/", {"label": "Pricing plan", "key": "other", "kind": "text"}
    )
    field.refresh_from_db()
    assert (field.label, field.key) == ("Pricing plan", "plan")


def test_the_kind_cannot_change_while_contacts_have_values(admin: Any) -> None:
    field = CustomField.objects.create(key="seats", label="Seats", kind="text")
    Contact.objects.create(email="a@x.example", fields={"seats": "12"})
    html = admin.post(
        f"/custom-fields/{field.pk}/", {"label": "Seats", "kind": "number"}
    ).content.decode()
    errors = " ".join(field_errors(html, "kind"))
    assert "1 contact has a value for “Seats”" in errors
    field.refresh_from_db()
    assert field.kind == "text"


def test_the_kind_of_an_unused_field_changes(admin: Any) -> None:
    field = CustomField.objects.create(key="seats", label="Seats", kind="text")
    admin.post(f"/custom-fields/{field.pk}/", {"label": "Seats", "kind": "number"})
    field.refresh_from_db()
    assert field.kind == "number"


def test_fields_move_up_and_down_the_contact_form(admin: Any) -> None:
    for label in ("Alpha", "Beta", "Gamma"):
        CustomField.objects.create(key=label.lower(), label=label)
    gamma = CustomField.objects.get(key="gamma")
    admin.post(f"/custom-fields/{gamma.pk}/move/", {"direction": "up"})
    assert [f.key for f in CustomField.objects.all()] == ["alpha", "gamma", "beta"]
    form = admin.get("/contacts/new/").content.decode()
    assert form.index("field_gamma") < form.index("field_beta")
    alpha = CustomField.objects.get(key="alpha")
    admin.post(f"/custom-fields/{alpha.pk}/move/", {"direction": "down"})
    assert [f.key for f in CustomField.objects.all()] == ["gamma", "alpha", "beta"]


def test_deleting_says_what_uses_the_field(admin: Any, member: User) -> None:
    field = CustomField.objects.create(key="tier", label="Tier")
    Contact.objects.create(email="a@x.example", fields={"tier": "gold"})
    Contact.objects.create(email="b@x.example", fields={"tier": "silver"})
    Contact.objects.create(email="c@x.example")
    gold = Segment.objects.create(
        name="Gold", owner=member, rules=rules([condition("fields.tier", "is", "gold")])
    )
    Segment.objects.create(
        name="Acme", owner=member, rules=rules([condition("company", "is", "Acme")])
    )
    page = admin.get(f"/custom-fields/{field.pk}/delete/").content.decode()
    assert "2 contacts have a value" in page
    assert "1 segment&#x27;s rules</strong> uses it" in page
    assert admin.post(f"/custom-fields/{field.pk}/delete/").status_code == 302
    assert not CustomField.objects.exists()
    # The segment that named it says so on its page, rather than failing.
    segment_page = admin.get(f"/segments/{gold.pk}/")
    assert segment_page.status_code == 200
    assert "no custom field" in segment_page.content.decode()
    assert admin.get(f"/segments/{gold.pk}/count/").status_code == 200


def test_members_may_not_manage_custom_fields(client: Any, member: User) -> None:
    field = CustomField.objects.create(key="tier", label="Tier")
    client.force_login(member)
    assert client.get("/custom-fields/").status_code == 403
    assert client.post(f"/custom-fields/{field.pk}/delete/").status_code == 403
    assert CustomField.objects.exists()
    assert "Custom fields" not in client.get("/contacts/").content.decode()


def test_taking_away_a_choice_says_who_keeps_it(admin: Any) -> None:
    field = CustomField.objects.create(
        key="plan", label="Plan", kind="choice", choices=["Free", "Pro", "Team"]
    )
    Contact.objects.create(email="a@x.example", fields={"plan": "Team"})
    Contact.objects.create(email="b@x.example", fields={"plan": "Pro"})
    response = admin.post(
        f"/custom-fields/{field.pk}/",
        {"label": "Plan", "kind": "choice", "choices": "Free\nPro\nEnterprise"},
        follow=True,
    )
    assert "1 contact keeps a choice no longer offered" in response.content.decode()
    field.refresh_from_db()
    assert field.choices == ["Free", "Pro", "Enterprise"]
    assert Contact.objects.get(email="a@x.example").fields == {"plan": "Team"}
