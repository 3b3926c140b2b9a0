"""The "Members" group: what every new team member may do until an administrator says
otherwise (see convener.team.access.MEMBER_DEFAULTS).

Every user joins it when they are made, however they are made: `convener createadmin`,
`createsuperuser`, the Django admin, the Team page or the API's tests.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from convener.team.access import MEMBER_DEFAULTS, MEMBERS_GROUP
from convener.team.models import User


def permissions(perms: list[str]) -> list[Permission]:
    """The Permission rows of "app.codename" names."""
    wanted = {tuple(name.split(".", 1)) for name in perms}
    rows = Permission.objects.select_related("content_type").filter(
        codename__in={code for _, code in wanted}
    )
    return [p for p in rows if (p.content_type.app_label, p.codename) in wanted]


def members_group() -> Group:
    """The group, made again with the defaults if it was deleted (its migration made the
    first one)."""
    group, created = Group.objects.get_or_create(name=MEMBERS_GROUP)
    if created:
        group.permissions.set(permissions(MEMBER_DEFAULTS))
    return group


def join_members(sender: type[User], instance: User, created: bool, raw: bool, **_: Any) -> None:
    """post_save of User: a new user joins the Members group (not while loading fixtures)."""
    if created and not raw:
        instance.groups.add(members_group())
