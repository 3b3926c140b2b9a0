"""Who may follow a run, and which of its meetings a person may change in bulk."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction, Run
from convener.meetings.triggers import TriggerKind
from convener.team import access
from convener.team.models import User
from tests.access.support import colleague, grant, without, zoom_meeting_on_own_account

pytestmark = pytest.mark.django_db


def a_run(by: User) -> Run:
    action = MeetingAction.objects.create(name="Wave")
    return Run.objects.create(
        action=action,
        trigger=TriggerKind.BULK,
        trigger_source=str(action.pk),
        occurrence=f"by-{by.pk}",
        requested_by=by,
    )


def test_a_member_follows_their_own_runs_and_others_with_view_others_meetings(
    member: User,
) -> None:
    mine, theirs = a_run(member), a_run(colleague("mike"))
    assert set(access.visible_runs(member)) == {mine, theirs}  # the defaults see others
    without(member, "team.view_others_meetings")
    member = User.objects.get(pk=member.pk)  # permissions are cached per object
    assert list(access.visible_runs(member)) == [mine]
    assert access.can_view(member, mine) and not access.can_view(member, theirs)


def test_a_member_without_any_permission_still_follows_what_they_launched(
    member: User,
) -> None:
    mine = a_run(member)
    member.groups.clear()
    member = User.objects.get(pk=member.pk)
    assert list(access.visible_runs(member)) == [mine]
    assert list(access.visible_runs(None)) == []


def test_changeable_meetings_follow_the_edit_and_account_permissions(member: User) -> None:
    mike = colleague("mike")
    contact = Contact.objects.create(email="c@client.example", owner=member)
    on_anns_zoom = zoom_meeting_on_own_account(member, contact, "ann@zoom.example", "Ann's")
    org = Connection.objects.create(provider="zoom", level="organization", account_email="o@x")
    on_org = Meeting.objects.create(
        contact=contact,
        host=member,
        provider="zoom",
        connection=org,
        title="Org's",
        start=on_anns_zoom.start,
        end=on_anns_zoom.end,
        timezone="UTC",
    )
    everything = Meeting.objects.all()
    assert set(access.changeable_meetings(member, everything)) == {on_anns_zoom, on_org}
    assert set(access.changeable_meetings(mike, everything)) == set()
    grant(mike, "team.edit_others_meetings")
    mike = User.objects.get(pk=mike.pk)
    assert set(access.changeable_meetings(mike, everything)) == {on_org}
    grant(mike, "connections.use_others_connections")
    mike = User.objects.get(pk=mike.pk)
    assert set(access.changeable_meetings(mike, everything)) == {on_anns_zoom, on_org}
    for meeting in everything:
        assert access.can_edit(mike, meeting)


def test_changeable_meetings_agree_with_can_edit_for_everyone(
    member: User, admin_user: Any
) -> None:
    contact = Contact.objects.create(email="c@client.example", owner=member)
    zoom_meeting_on_own_account(member, contact, "ann@zoom.example", "Ann's")
    for person in (member, colleague("mike"), admin_user):
        listed = set(access.changeable_meetings(person, Meeting.objects.all()))
        assert listed == {m for m in Meeting.objects.all() if access.can_edit(person, m)}


def test_finding_contact_ids_refuses_those_the_person_may_not_see(member: User) -> None:
    mine = Contact.objects.create(email="m@client.example", owner=member)
    theirs = Contact.objects.create(email="t@client.example", owner=colleague("mike"))
    assert access.find_contact_ids(member, [theirs.pk, mine.pk, theirs.pk]) == [theirs.pk, mine.pk]
    without(member, "team.view_others_contacts")
    member = User.objects.get(pk=member.pk)
    with pytest.raises(ValidationError) as refused:
        access.find_contact_ids(member, [mine.pk, theirs.pk, 999999])
    assert refused.value.message_dict == {
        "contact_ids": [f"no contact with id {theirs.pk}, 999999"]
    }
