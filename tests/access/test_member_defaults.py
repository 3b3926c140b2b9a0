"""A new member may see every contact and meeting and change their own, however their
account is made; an administrator may do everything."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from convener.team.access import MEMBER_DEFAULTS, MEMBERS_GROUP, permission_names
from convener.team.models import User

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "team.view_own_contacts",
    "team.view_others_contacts",
    "team.edit_own_contacts",
    "team.view_own_meetings",
    "team.view_others_meetings",
    "team.edit_own_meetings",
}


def test_the_members_group_made_by_the_migration_holds_the_defaults() -> None:
    group = Group.objects.get(name=MEMBERS_GROUP)
    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert held == DEFAULTS == set(MEMBER_DEFAULTS)


def test_a_member_made_in_code_gets_the_defaults_and_nothing_more() -> None:
    user = User.objects.create_user("dana", "dana@example.com", "x")
    assert user.get_all_permissions() == DEFAULTS


def test_a_member_added_in_the_django_admin_gets_the_defaults(admin_client: Any) -> None:
    answer = admin_client.post(
        "/admin/team/user/add/",
        {
            "username": "erin",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
            "usable_password": "true",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert User.objects.get(username="erin").get_all_permissions() == DEFAULTS


def test_the_first_administrator_has_every_permission(monkeypatch: Any) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "a-long-enough-passphrase")
    call_command("createadmin", "--password-from-env", "ADMIN_PASSWORD", stdout=StringIO())
    admin = User.objects.get(username="admin")
    assert all(admin.has_perm(perm) for perm in permission_names())
    assert admin.groups.filter(name=MEMBERS_GROUP).exists()


def test_a_deleted_members_group_is_made_again_for_the_next_member() -> None:
    Group.objects.filter(name=MEMBERS_GROUP).delete()
    user = User.objects.create_user("finn", "finn@example.com", "x")
    assert user.get_all_permissions() == DEFAULTS
