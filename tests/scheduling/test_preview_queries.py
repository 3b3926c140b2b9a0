"""A launch's first pass reads a team's contacts in chunks and each owner once: the
preview of nine hundred contacts asks the database as many times as the preview of ten, and
a member's permission is worked out once for their own contacts and once for others'."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from convener.crm.models import Contact
from convener.meetings.models import MeetingAction
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.preview import preview
from convener.scheduling.request import ScheduleRequest
from convener.team.members import permissions
from convener.team.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def owners(db: Any) -> list[User]:
    return [User.objects.create_user(f"owner{n}", f"owner{n}@example.com") for n in range(3)]


def contacts_of(owners: list[User], each: int) -> list[int]:
    Contact.objects.bulk_create(
        Contact(email=f"c{n}.{owner.pk}@client.example", first_name=f"C{n}", owner=owner)
        for owner in owners
        for n in range(each)
    )
    return list(Contact.objects.order_by("pk").values_list("pk", flat=True))


def previewed(action: MeetingAction, ids: list[int], person: User) -> tuple[Any, int]:
    person = User.objects.get(pk=person.pk)  # a fresh object: no permissions cached yet
    request = ScheduleRequest(
        action, ids, TriggerRef(TriggerKind.BULK, str(action.pk), "q"), requested_by=person
    )
    with CaptureQueriesContext(connection) as queries:
        result = preview(request)
    return result, len(queries)


def test_the_preview_asks_the_database_as_often_for_many_contacts_as_for_ten(
    owners: list[User],
) -> None:
    lead = User.objects.create_user("lead", "lead@example.com")
    lead.user_permissions.add(*permissions(["team.edit_others_contacts"]))
    action = MeetingAction.objects.create(
        name="Wave", provider="jitsi", title_template="{{ owner.name }} meets {{ contact.name }}"
    )
    ids = contacts_of(owners, 300)
    # Nine hundred: one chunk of contacts, in one query on every database (SQLite takes
    # at most 999 values in a query).
    small, small_queries = previewed(action, ids[:10], lead)
    large, large_queries = previewed(action, ids[:900], lead)
    assert (small.planned, large.planned) == (10, 900)
    assert large_queries == small_queries, (small_queries, large_queries)


def test_a_member_who_edits_only_their_own_contacts_is_refused_the_others(
    owners: list[User],
) -> None:
    ids = contacts_of(owners, 5)
    mine = set(Contact.objects.filter(owner=owners[0]).values_list("pk", flat=True))
    action = MeetingAction.objects.create(name="Wave", provider="jitsi")
    result, _ = previewed(action, ids, owners[0])
    assert result.planned == len(mine) == 5
    assert result.skipped == 10
    assert [row.contact_id for row in result.skips if row.contact_id in mine] == []
    assert all("another member's contacts" in row.reason for row in result.skips)
