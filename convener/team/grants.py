"""A member's permissions as the Team page shows and changes them: one set per member.

A member with exactly the defaults stays in the Members group, so a later change of the
defaults reaches them; anyone else leaves it and holds their permissions directly.
Permissions that come from other groups (made in the Django admin) are kept: this page
cannot take them away.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from convener.team.access import MEMBER_DEFAULTS, permission_names
from convener.team.members import members_group, permissions
from convener.team.models import User

MANAGED = list(permission_names())  # the permissions of the model, in its order


def _names(perms: Iterable[object]) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}  # type: ignore[attr-defined]


def held(user: User) -> set[str]:
    """The permissions of the model the member has, from wherever they come."""
    return {perm for perm in MANAGED if user.has_perm(perm)}


def from_other_groups(user: User) -> set[str]:
    """The permissions the member has through groups other than Members."""
    groups = user.groups.exclude(pk=members_group().pk).prefetch_related(
        "permissions__content_type"
    )
    return {name for g in groups for name in _names(g.permissions.all()) if name in MANAGED}


def grant(user: User, wanted: set[str]) -> None:
    """Give the member exactly `wanted` (of the model's permissions), besides what other
    groups give them."""
    wanted = wanted & set(MANAGED)
    group = members_group()
    direct = [p for p in user.user_permissions.select_related("content_type")]
    keep = [p for p in direct if _names([p]) - set(MANAGED)]  # not ours: left alone
    with transaction.atomic():
        if wanted == set(MEMBER_DEFAULTS):
            user.groups.add(group)
            user.user_permissions.set(keep)
        else:
            user.groups.remove(group)
            user.user_permissions.set([*keep, *permissions(sorted(wanted))])
