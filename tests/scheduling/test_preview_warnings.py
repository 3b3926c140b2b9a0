"""The preview warns, before a launch, of an account that would host meetings but said
when it was connected that it cannot make them (a Microsoft account without Teams)."""

from __future__ import annotations

from typing import Any

import pytest

from convener.connections.models import Connection
from convener.crm.models import Contact
from convener.meetings.models import MeetingAction
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.preview import preview
from convener.scheduling.request import ScheduleRequest
from convener.team.models import User

pytestmark = pytest.mark.django_db

NO_TEAMS = (
    "Teams meetings are not enabled for kim@contoso.example (its calendar offers: "
    "skypeForConsumer); a Microsoft 365 administrator must give the user a Teams license"
)


def teams_preview(*owners: User) -> Any:
    ids = [
        Contact.objects.create(email=f"lead{n}@client.example", owner=owner).pk
        for n, owner in enumerate(owners)
    ]
    action = MeetingAction.objects.create(
        name="Wave", provider="microsoft_teams", credentials="contact_owner"
    )
    return preview(ScheduleRequest(action, ids, TriggerRef(TriggerKind.BULK, str(action.pk), "w")))


def connect_teams(user: User, email: str, problems: list[str]) -> None:
    Connection.objects.create(
        provider="microsoft_teams",
        level=Connection.Level.USER,
        user=user,
        account_email=email,
        problems=problems,
    )


def test_an_account_without_teams_is_named_with_its_meetings_before_the_launch() -> None:
    kim = User.objects.create_user("kim", "kim@contoso.example")
    lee = User.objects.create_user("lee", "lee@contoso.example")
    connect_teams(kim, "kim@contoso.example", [NO_TEAMS])
    connect_teams(lee, "lee@contoso.example", [])

    result = teams_preview(kim, kim, lee)

    assert result.planned == 3
    assert result.warnings == [
        f"2 meetings would use kim@contoso.example, which cannot make them yet: {NO_TEAMS}"
    ]


def test_accounts_without_problems_give_no_warning() -> None:
    lee = User.objects.create_user("lee", "lee@contoso.example")
    connect_teams(lee, "lee@contoso.example", [])
    assert teams_preview(lee).warnings == []
