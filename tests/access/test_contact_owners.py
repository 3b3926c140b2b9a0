"""Whose a contact is: a new one is its author's, and only a member who may edit other
members' contacts gives one to someone else, or to nobody."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact
from convener.team.models import User
from tests.access.support import api, colleague

pytestmark = pytest.mark.django_db


@pytest.fixture
def mike(member: User) -> User:
    return colleague("mike")


def test_a_contact_made_without_an_owner_is_its_authors(client: Any, mike: User) -> None:
    answer = api(client, "post", "/api/v1/contacts", mike, {"email": "dana@example.org"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["owner"] == "mike"
    patched = api(
        client, "patch", f"/api/v1/contacts/{answer.json()['id']}", mike, {"company": "Acme"}
    )
    assert patched.status_code == 200


def test_a_member_cannot_give_a_contact_to_someone_else_or_to_nobody(
    client: Any, mike: User
) -> None:
    for owner in ("ann", None):
        body = {"email": "dana@example.org", "owner": owner}
        answer = api(client, "post", "/api/v1/contacts", mike, body)
        assert answer.status_code == 403
        assert answer.json()["errors"][0]["field"] == "owner"
    own = Contact.objects.create(email="lead@mike.example", owner=mike)
    answer = api(client, "patch", f"/api/v1/contacts/{own.pk}", mike, {"owner": "ann"})
    assert answer.status_code == 403
    assert Contact.objects.get(pk=own.pk).owner == mike
    assert not Contact.objects.filter(email="dana@example.org").exists()


def test_a_member_who_may_edit_others_contacts_hands_one_over(client: Any, member: User) -> None:
    lead = colleague("lea", "team.edit_others_contacts")
    own = Contact.objects.create(email="lead@lea.example", owner=lead)
    answer = api(client, "patch", f"/api/v1/contacts/{own.pk}", lead, {"owner": "ann"})
    assert answer.status_code == 200, answer.content
    assert Contact.objects.get(pk=own.pk).owner == member


def test_the_contact_form_offers_a_member_only_themselves_as_owner(
    client: Any, member: User, mike: User
) -> None:
    client.force_login(mike)
    form = client.get("/contacts/new/").content.decode()
    assert ">mike</option>" in form and ">Ann Lee</option>" not in form
    assert "No owner" not in form
    answer = client.post(
        "/contacts/new/", {"email": "dana@example.org", "timezone": "", "owner": member.pk}
    )
    assert answer.status_code == 200  # the form again, with the error
    assert not Contact.objects.filter(email="dana@example.org").exists()
    answer = client.post(
        "/contacts/new/", {"email": "dana@example.org", "timezone": "", "owner": mike.pk}
    )
    assert answer.status_code == 302
    assert Contact.objects.get(email="dana@example.org").owner == mike
