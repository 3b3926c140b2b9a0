"""/api/v1/segments: making, reading, changing and deleting segments, their members, and
the error answers that name the rule at fault."""

from __future__ import annotations

from typing import Any

import pytest

from convener.crm.models import Contact, CustomField
from convener.segments.models import Segment
from tests.access.support import api, colleague, without
from tests.segments.support import acme_contacts, acme_rules, acme_segment, condition, rules

pytestmark = pytest.mark.django_db


def test_a_member_makes_a_dynamic_segment_and_sees_its_count(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann", "Bea")
    Contact.objects.create(email="zed@other.example", company="Other", owner=member)
    response = api(
        client, "post", "/api/v1/segments", member, {"name": "Acme", "rules": acme_rules()}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "dynamic"
    assert body["owner"] == "ann"
    assert body["timezone"] == "Europe/Berlin"  # the member's own zone by default
    assert body["member_count"] == 2
    assert body["rules"] == acme_rules()
    assert body["problems"] == []


def test_the_members_are_listed_a_page_at_a_time(client: Any, member: Any) -> None:
    acme_contacts(member, "Ann", "Bea", "Cid")
    segment = acme_segment(member)
    page = api(client, "get", f"/api/v1/segments/{segment.pk}/members?limit=2", member).json()
    assert page["count"] == 3
    assert [c["first_name"] for c in page["items"]] == ["Ann", "Bea"]
    rest = api(
        client, "get", f"/api/v1/segments/{segment.pk}/members?limit=2&offset=2", member
    ).json()
    assert [c["first_name"] for c in rest["items"]] == ["Cid"]


def test_membership_is_current(client: Any, member: Any) -> None:
    segment = acme_segment(member)
    path = f"/api/v1/segments/{segment.pk}"
    assert api(client, "get", path, member).json()["member_count"] == 0
    (ann,) = acme_contacts(member, "Ann")
    assert api(client, "get", path, member).json()["member_count"] == 1
    Contact.objects.filter(pk=ann.pk).update(company="Elsewhere")
    assert api(client, "get", path, member).json()["member_count"] == 0


def test_a_dynamic_segment_needs_rules(client: Any, member: Any) -> None:
    response = api(client, "post", "/api/v1/segments", member, {"name": "Nobody"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "rules", "message": "A dynamic segment needs rules: add at least one condition."}
    ]
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        (
            condition("compnay", "is", "Acme"),
            "rules.groups.0.conditions.1.field",
            "Group 1, condition 2: there is no field “compnay”",
        ),
        (
            condition("fields.renewl", "is", "x"),
            "rules.groups.0.conditions.1.field",
            "Group 1, condition 2: there is no custom field “renewl”.",
        ),
        (
            condition("fields.renewal", "contains", "12"),
            "rules.groups.0.conditions.1.operator",
            "Group 1, condition 2 (Renewal): “contains” is not an operator for a date; "
            "use one of on, before, after",
        ),
        (
            condition("fields.renewal", "before", "next tuesday"),
            "rules.groups.0.conditions.1.value",
            "Group 1, condition 2 (Renewal is before): “next tuesday” is not a date; "
            "write it like 2026-12-03.",
        ),
        (
            condition("fields.renewal", "in_next_days", "a week"),
            "rules.groups.0.conditions.1.value",
            "Group 1, condition 2 (Renewal is within the next … days): “a week” is not a "
            "whole number of days.",
        ),
        (
            condition("created_at", "after", "2026-12-03T15:00+01:00"),
            "rules.groups.0.conditions.1.value",
            "Group 1, condition 2 (Created is after): “2026-12-03T15:00+01:00” has a UTC offset",
        ),
        (
            condition("owner", "is", "nobody-here"),
            "rules.groups.0.conditions.1.value",
            "Group 1, condition 2 (Owner is): there is no team member named “nobody-here”.",
        ),
        (
            condition("company", "is"),
            "rules.groups.0.conditions.1.value",
            "Group 1, condition 2 (Company is): give a value.",
        ),
    ],
)
def test_a_bad_rule_is_named_with_its_place_and_field(
    client: Any, member: Any, bad: dict[str, Any], field: str, message: str
) -> None:
    CustomField.objects.create(key="renewal", label="Renewal", kind="date")
    document = rules([condition("company", "is", "Acme"), bad])
    response = api(client, "post", "/api/v1/segments", member, {"name": "X", "rules": document})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert error["message"].startswith(message), error["message"]
    assert not Segment.objects.exists()


def test_every_bad_rule_is_reported_at_once(client: Any, member: Any) -> None:
    document = rules([condition("nope", "is", "x")], [], [condition("email", "matches", "x")])
    response = api(client, "post", "/api/v1/segments", member, {"name": "X", "rules": document})
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == [
        "rules.groups.0.conditions.0.field",
        "rules.groups.1.conditions",
        "rules.groups.2.conditions.0.operator",
    ]


def test_rules_broken_since_they_were_saved_are_reported_not_a_server_error(
    client: Any, member: Any
) -> None:
    field = CustomField.objects.create(key="renewal", label="Renewal", kind="date")
    segment = Segment.objects.create(
        name="Renewals",
        owner=member,
        rules=rules([condition("fields.renewal", "in_next_days", 30)]),
    )
    field.delete()
    body = api(client, "get", f"/api/v1/segments/{segment.pk}", member).json()
    assert body["member_count"] is None
    assert body["problems"] == ["Group 1, condition 1: there is no custom field “renewal”."]
    members = api(client, "get", f"/api/v1/segments/{segment.pk}/members", member)
    assert members.status_code == 422
    assert members.json()["errors"][0]["field"] == "rules.groups.0.conditions.0.field"


def test_only_the_owner_or_an_administrator_changes_a_segment(
    client: Any, member: Any, admin_user: Any
) -> None:
    segment = acme_segment(member)
    mike = colleague("mike")
    path = f"/api/v1/segments/{segment.pk}"
    refused = api(client, "patch", path, mike, {"name": "Mine now"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only its owner and administrators change a segment."
    assert api(client, "delete", path, mike).status_code == 403
    assert api(client, "patch", path, member, {"name": "Acme team"}).json()["name"] == "Acme team"
    assert api(client, "patch", path, admin_user, {"timezone": "Asia/Tokyo"}).status_code == 200
    assert api(client, "delete", path, admin_user).status_code == 204
    assert not Segment.objects.exists()


def test_a_segment_keeps_its_kind(client: Any, member: Any) -> None:
    segment = acme_segment(member)
    response = api(client, "patch", f"/api/v1/segments/{segment.pk}", member, {"kind": "static"})
    # kind is not a field of a change: it is ignored, and the segment stays dynamic.
    assert response.json()["kind"] == "dynamic"


def test_a_bad_time_zone_is_refused_naming_the_field(client: Any, member: Any) -> None:
    segment = acme_segment(member)
    response = api(
        client, "patch", f"/api/v1/segments/{segment.pk}", member, {"timezone": "Mars/Base"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "timezone"


def test_static_members_are_added_and_removed_by_id(client: Any, member: Any) -> None:
    ann, bea = acme_contacts(member, "Ann", "Bea")
    made = api(client, "post", "/api/v1/segments", member, {"name": "VIP", "kind": "static"})
    assert made.status_code == 201
    path = f"/api/v1/segments/{made.json()['id']}/members"
    added = api(client, "post", path, member, {"contact_ids": [ann.pk, bea.pk, ann.pk]}).json()
    assert added == {"changed": 2, "member_count": 2}
    again = api(client, "post", path, member, {"contact_ids": [ann.pk]}).json()
    assert again == {"changed": 0, "member_count": 2}
    removed = api(client, "post", f"{path}/remove", member, {"contact_ids": [ann.pk]}).json()
    assert removed == {"changed": 1, "member_count": 1}
    listed = api(client, "get", path, member).json()
    assert [c["email"] for c in listed["items"]] == [bea.email]


def test_a_contact_you_may_not_see_cannot_be_added(client: Any, member: Any) -> None:
    mike = colleague("mike")
    (theirs,) = acme_contacts(mike, "Tom")
    without(member, "team.view_others_contacts")
    segment = Segment.objects.create(name="VIP", kind="static", owner=member)
    response = api(
        client,
        "post",
        f"/api/v1/segments/{segment.pk}/members",
        member,
        {"contact_ids": [theirs.pk]},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "contact_ids", "message": f"no contact with id {theirs.pk}"}
    ]


def test_a_dynamic_segment_takes_no_members_by_hand(client: Any, member: Any) -> None:
    (ann,) = acme_contacts(member, "Ann")
    segment = acme_segment(member)
    response = api(
        client, "post", f"/api/v1/segments/{segment.pk}/members", member, {"contact_ids": [ann.pk]}
    )
    assert response.status_code == 422
    assert "is dynamic" in response.json()["errors"][0]["message"]


def test_members_are_only_the_contacts_you_may_see(client: Any, member: Any) -> None:
    mike = colleague("mike")
    acme_contacts(member, "Ann")
    acme_contacts(mike, "Tom")
    segment = acme_segment(member)
    assert api(client, "get", f"/api/v1/segments/{segment.pk}", mike).json()["member_count"] == 2
    without(member, "team.view_others_contacts")
    body = api(client, "get", f"/api/v1/segments/{segment.pk}/members", member).json()
    assert [c["first_name"] for c in body["items"]] == ["Ann"]
