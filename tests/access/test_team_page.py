"""The Team page: an administrator sees every member's permissions and changes them
without the Django admin."""

from __future__ import annotations

import re
from typing import Any

import pytest

from convener.crm.models import Contact
from convener.team.access import MEMBER_DEFAULTS, MEMBERS_GROUP
from convener.team.models import User
from tests.access.support import colleague

pytestmark = pytest.mark.django_db


def ticked(html: str, username: str) -> set[str]:
    row = re.search(rf'<tr data-member="{username}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {username}"
    return set(re.findall(r'value="([^"]+)"[^>]*\bchecked\b', row.group(1)))


def test_the_team_page_shows_each_members_permissions(admin_client: Any, member: User) -> None:
    html = admin_client.get("/team/").content.decode()
    assert ticked(html, "ann") == set(MEMBER_DEFAULTS)
    assert "connections.use_others_connections" in ticked(html, "admin")  # every one


def test_unticking_view_others_hides_other_members_contacts_from_that_member(
    client: Any, admin_client: Any, contact: Contact
) -> None:
    mike = colleague("mike")
    client.force_login(mike)
    assert contact.email in client.get("/contacts/").content.decode()

    kept = [p for p in MEMBER_DEFAULTS if p != "team.view_others_contacts"]
    answer = admin_client.post(f"/team/{mike.pk}/", {"perm": kept})
    assert answer.status_code == 302
    assert ticked(admin_client.get("/team/").content.decode(), "mike") == set(kept)
    assert contact.email not in client.get("/contacts/").content.decode()

    admin_client.post(f"/team/{mike.pk}/", {"perm": MEMBER_DEFAULTS})
    mike = User.objects.get(pk=mike.pk)
    assert mike.groups.filter(name=MEMBERS_GROUP).exists()  # back on the defaults
    assert not mike.user_permissions.exists()
    assert contact.email in client.get("/contacts/").content.decode()


def test_a_member_cannot_open_or_use_the_team_page(client: Any, member: User) -> None:
    mike = colleague("mike")
    client.force_login(mike)
    assert client.get("/team/").status_code == 403
    answer = client.post(f"/team/{member.pk}/", {"perm": []})
    assert answer.status_code == 403
    assert User.objects.get(pk=member.pk).get_all_permissions() == set(MEMBER_DEFAULTS)
