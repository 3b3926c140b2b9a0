"""The Team page: every member and what they may do, changed by an administrator without
the Django admin."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from convener.team import access, grants
from convener.team.models import User

SHORT = {
    "view_own": "View own",
    "view_others": "View others'",
    "edit_own": "Change own",
    "edit_others": "Change others'",
}


@dataclass(frozen=True)
class Column:
    perm: str
    short: str
    name: str


def columns() -> list[tuple[str, list[Column]]]:
    """The page's column groups: contacts, meetings, accounts."""
    names = access.permission_names()
    groups = [
        (title, [Column(scope.perm(w), SHORT[w], names[scope.perm(w)]) for w in SHORT])
        for title, scope in (("Contacts", access.CONTACTS), ("Meetings", access.MEETINGS))
    ]
    use = access.USE_OTHERS_CONNECTIONS
    groups.append(("Accounts", [Column(use, "Use others'", names[use])]))
    return groups


@dataclass(frozen=True)
class Cell:
    column: Column
    held: bool
    locked: str  # why it cannot be changed here; "" when it can


def _cells(member: User, groups: list[tuple[str, list[Column]]]) -> list[Cell]:
    held = grants.held(member)
    elsewhere = set() if member.is_superuser else grants.from_other_groups(member)
    cells = []
    for _, cols in groups:
        for column in cols:
            locked = ""
            if member.is_superuser:
                locked = "Administrators have every permission"
            elif column.perm in elsewhere:
                locked = "Given by another group (change it in Administration)"
            cells.append(Cell(column, column.perm in held, locked))
    return cells


@login_required
def team(request: HttpRequest) -> HttpResponse:
    access.require_admin(request.user)
    groups = columns()
    rows = [
        {"member": member, "cells": _cells(member, groups)}
        for member in User.objects.order_by("username").prefetch_related("groups")
    ]
    return render(request, "web/team/list.html", {"columns": groups, "rows": rows})


@login_required
@require_POST
def team_member(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one member's permissions: exactly the boxes ticked in their row."""
    access.require_admin(request.user)
    member = get_object_or_404(User, pk=pk)
    if member.is_superuser:
        messages.info(request, f"{member.display_name} is an administrator and may do everything.")
        return redirect("team")
    grants.grant(member, set(request.POST.getlist("perm")))
    messages.success(request, f"Saved what {member.display_name} may do.")
    return redirect("team")
