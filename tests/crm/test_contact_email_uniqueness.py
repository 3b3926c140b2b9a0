"""One contact per email address, whatever the letter case: in the database, the API and
the contact form, and in every lookup by address."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from convener.crm.models import Contact
from convener.team.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(api_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token}"}


def test_the_database_refuses_an_address_that_differs_only_in_case(contact: Contact) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.bulk_create([Contact(email="BOB@Example.ORG")])


def test_a_lookup_by_address_finds_the_contact_in_any_case(contact: Contact) -> None:
    assert list(Contact.objects.with_email("Bob@EXAMPLE.org")) == [contact]
    assert not Contact.objects.with_email("bob@example.com").exists()


def test_the_api_names_the_email_field_when_the_address_exists_in_another_case(
    client: Any, auth: Any, contact: Contact
) -> None:
    response = client.post(
        "/api/v1/contacts",
        {"email": "Bob@Example.org", "first_name": "Robert"},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["email"]
    assert "already has this email address" in errors[0]["message"]
    assert Contact.objects.count() == 1


def test_the_api_refuses_changing_an_address_to_another_contacts_in_another_case(
    client: Any, auth: Any, contact: Contact, member: User
) -> None:
    other = Contact.objects.create(email="eve@example.org", owner=member)
    response = client.patch(
        f"/api/v1/contacts/{other.pk}",
        {"email": "BOB@example.org"},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["email"]
    other.refresh_from_db()
    assert other.email == "eve@example.org"


def test_a_contact_may_change_the_case_of_its_own_address(
    client: Any, auth: Any, contact: Contact
) -> None:
    response = client.patch(
        f"/api/v1/contacts/{contact.pk}",
        {"email": "Bob@Example.org"},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 200, response.content
    assert response.json()["email"] == "Bob@Example.org"


def test_the_contact_form_shows_the_duplicate_under_the_email_field(
    client: Any, member: User, contact: Contact
) -> None:
    client.force_login(member)
    response = client.post(
        "/contacts/new/", {"email": "BOB@EXAMPLE.ORG", "first_name": "B", "owner": member.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["Another contact already has this email address (in any letter case)."]
    }
    assert 'data-field="email"' in response.content.decode()
    assert Contact.objects.count() == 1


def test_a_save_that_loses_the_race_for_an_address_names_the_email_field(contact: Contact) -> None:
    from django.core.exceptions import ValidationError

    # clean() passed for both requests; the database decides, and says which field.
    with pytest.raises(ValidationError) as refused:
        Contact(email="bob@EXAMPLE.org").save()
    assert list(refused.value.message_dict) == ["email"]


def test_the_contact_form_that_loses_the_race_shows_the_email_error_not_a_500(
    client: Any, member: User, contact: Contact
) -> None:
    from unittest import mock

    client.force_login(member)
    # The form's own check finds no duplicate (the other request has not saved yet), then
    # the database refuses the save.
    with (
        mock.patch.object(Contact, "clean", lambda self: None),
        mock.patch.object(Contact, "validate_constraints", lambda self, exclude=None: None),
    ):
        response = client.post(
            "/contacts/new/", {"email": "BOB@EXAMPLE.ORG", "first_name": "B", "owner": member.pk}
        )
    assert response.status_code == 200
    assert "already has this email address" in response.content.decode()
    assert Contact.objects.count() == 1
