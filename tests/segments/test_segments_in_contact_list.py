"""Segments in the contacts list: filtering by a segment, adding a selection to a static
segment (one by one or all matching, in set-based SQL) and removing it again."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from convener.crm.models import Contact, CustomField
from convener.segments import membership
from convener.segments.models import Segment, SegmentMember
from convener.team.models import User
from tests.access.support import colleague, without
from tests.segments.support import acme_contacts, acme_segment, condition, rules

pytestmark = pytest.mark.django_db


def listed(client: Any, **params: Any) -> list[str]:
    html = client.get("/contacts/", params).content.decode()
    return re.findall(r'<td class="hide-sm">([^<]+@[^<]+)</td>', html)


@pytest.fixture
def signed_in(client: Any, member: User) -> Any:
    client.force_login(member)
    return client


def static_segment(owner: User | None, name: str, *contacts: Contact) -> Segment:
    segment = Segment.objects.create(name=name, kind=Segment.Kind.STATIC, owner=owner)
    for contact in contacts:
        SegmentMember.objects.create(segment=segment, contact=contact)
    return segment


def test_the_list_shows_the_members_of_a_dynamic_segment(signed_in: Any, member: User) -> None:
    acme_contacts(member, "Ada", "Bea")
    Contact.objects.create(email="zed@other.example", company="Other", owner=member)
    segment = acme_segment(member)
    assert listed(signed_in, segment=segment.pk) == ["ada@acme.example", "bea@acme.example"]
    page = signed_in.get("/contacts/").content.decode()
    assert "Acme people (dynamic)" in page


def test_the_list_shows_the_members_of_a_static_segment(signed_in: Any, member: User) -> None:
    ada, _ = acme_contacts(member, "Ada", "Bea")
    segment = static_segment(member, "Picked", ada)
    assert listed(signed_in, segment=segment.pk) == ["ada@acme.example"]


def test_a_segment_filter_combines_with_the_search(signed_in: Any, member: User) -> None:
    acme_contacts(member, "Ada", "Bea")
    segment = acme_segment(member)
    assert listed(signed_in, segment=segment.pk, q="bea") == ["bea@acme.example"]


def test_a_removed_segment_says_so_and_lists_no_one(signed_in: Any, member: User) -> None:
    acme_contacts(member, "Ada")
    response = signed_in.get("/contacts/", {"segment": "999999"})
    assert response.status_code == 200
    assert "this segment no longer exists" in response.content.decode()
    assert listed(signed_in, segment="999999") == []


def test_a_segment_whose_field_was_deleted_says_so(signed_in: Any, member: User) -> None:
    field = CustomField.objects.create(key="tier", label="Tier", kind="text")
    segment = Segment.objects.create(
        name="Gold", owner=member, rules=rules([condition("fields.tier", "is", "gold")])
    )
    field.delete()
    response = signed_in.get("/contacts/", {"segment": segment.pk})
    assert response.status_code == 200
    assert "its rules no longer hold" in response.content.decode()


def test_members_the_person_may_not_see_stay_hidden(client: Any, member: User) -> None:
    mike = colleague("mike")
    ada = acme_contacts(member, "Ada")[0]
    mikes = Contact.objects.create(email="m@acme.example", company="Acme", owner=mike)
    segment = static_segment(member, "Both", ada, mikes)
    without(mike, "team.view_others_contacts", "team.edit_others_contacts")
    client.force_login(mike)
    assert listed(client, segment=segment.pk) == ["m@acme.example"]


def test_adding_the_ticked_contacts_to_a_new_segment(signed_in: Any, member: User) -> None:
    ada, bea = acme_contacts(member, "Ada", "Bea")
    response = signed_in.post(
        "/contacts/add-to-segment/", {"ids": [ada.pk, bea.pk], "new_name": "Follow up"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Added <strong>2 contacts</strong> to “Follow up”" in html
    segment = Segment.objects.get(name="Follow up")
    assert segment.kind == Segment.Kind.STATIC and segment.owner == member
    assert set(segment.memberships.values_list("contact_id", flat=True)) == {ada.pk, bea.pk}


def test_adding_says_how_many_were_already_members(signed_in: Any, member: User) -> None:
    ada = acme_contacts(member, "Ada", "Bea", "Cid")[0]
    segment = static_segment(member, "Picked", ada)
    response = signed_in.post(
        "/contacts/add-to-segment/", {"all": "1", "q": "acme", "into": segment.pk}
    )
    html = response.content.decode()
    assert 'data-added="2" data-already="1"' in html
    assert "1 was already a member" in html
    assert "now has 3 members" in html


def test_choosing_nothing_is_an_error_next_to_the_segment(signed_in: Any, member: User) -> None:
    ada = acme_contacts(member, "Ada")[0]
    static_segment(member, "Picked")
    response = signed_in.post("/contacts/add-to-segment/", {"ids": [ada.pk]})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="into"' in html and "Choose a segment" in html
    assert not SegmentMember.objects.exists()


def test_only_ones_own_static_segments_are_offered(signed_in: Any, member: User) -> None:
    mike = colleague("mike")
    ada = acme_contacts(member, "Ada")[0]
    static_segment(member, "Mine")
    theirs = static_segment(mike, "Mike's")
    acme_segment(member, "Rules")
    html = signed_in.get("/contacts/add-to-segment/", {"ids": [ada.pk]}).content.decode()
    assert ">Mine<" in html and "Mike&#x27;s" not in html and ">Rules<" not in html
    response = signed_in.post("/contacts/add-to-segment/", {"ids": [ada.pk], "into": theirs.pk})
    assert "no longer one you may change" in response.content.decode()
    assert not theirs.memberships.exists()


def test_a_large_selection_is_added_in_a_constant_number_of_queries(member: User) -> None:
    def add_all(count: int, name: str) -> int:
        Contact.objects.bulk_create(
            Contact(email=f"{name}{i}@bulk.example", company=name, owner=member)
            for i in range(count)
        )
        segment = Segment.objects.create(name=name, kind=Segment.Kind.STATIC, owner=member)
        contacts = Contact.objects.filter(company=name)
        with CaptureQueriesContext(connection) as queries:
            added = membership.add_selected(segment, contacts, member)
        assert added.added == count and added.already == 0
        assert segment.memberships.count() == count
        return len(queries)

    assert add_all(3000, "big") == add_all(30, "small")


def test_removing_the_selection_from_the_filtered_segment(signed_in: Any, member: User) -> None:
    ada, bea = acme_contacts(member, "Ada", "Bea")
    segment = static_segment(member, "Picked", ada, bea)
    page = signed_in.get("/contacts/", {"segment": segment.pk}).content.decode()
    assert "Remove from segment" in page
    confirm = signed_in.get(
        f"/segments/{segment.pk}/contacts/remove/", {"segment": segment.pk, "ids": [ada.pk]}
    ).content.decode()
    assert 'data-removable="1"' in confirm
    response = signed_in.post(
        f"/segments/{segment.pk}/contacts/remove/", {"segment": segment.pk, "all": "1"}
    )
    assert "Removed <strong>2 contacts</strong>" in response.content.decode()
    assert not segment.memberships.exists()
    assert Contact.objects.filter(pk__in=[ada.pk, bea.pk]).count() == 2


def test_remove_is_offered_only_for_a_static_segment_one_may_change(
    client: Any, member: User
) -> None:
    mike = colleague("mike")
    segment = static_segment(member, "Picked", *acme_contacts(member, "Ada"))
    client.force_login(member)
    dynamic = acme_segment(member)
    assert (
        "Remove from segment"
        not in client.get("/contacts/", {"segment": dynamic.pk}).content.decode()
    )
    client.force_login(mike)
    assert (
        "Remove from segment"
        not in client.get("/contacts/", {"segment": segment.pk}).content.decode()
    )
    assert client.post(f"/segments/{segment.pk}/contacts/remove/", {"all": "1"}).status_code == 403


def test_a_list_filtered_by_one_segment_adds_its_members_to_another(
    signed_in: Any, member: User
) -> None:
    ada, bea = acme_contacts(member, "Ada", "Bea")
    Contact.objects.create(email="zed@other.example", company="Other", owner=member)
    source = static_segment(member, "Source", ada, bea)
    target = static_segment(member, "Target")
    response = signed_in.post(
        "/contacts/add-to-segment/", {"segment": source.pk, "all": "1", "into": target.pk}
    )
    assert 'data-added="2" data-already="0"' in response.content.decode()
    assert set(target.memberships.values_list("contact_id", flat=True)) == {ada.pk, bea.pk}
