""" "Schedule meetings for this segment": the dialog that picks an action and launches it on
the members, and what the launch did."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from convener.meetings.triggers import new_occurrence
from convener.segments import membership, permissions
from convener.segments.forms import ScheduleSegmentForm
from convener.segments.launch import SegmentLaunch, schedule_segment
from convener.segments.models import Segment
from convener.segments.rules import RulesError
from convener.team import access
from convener.team.models import User


def _reach(segment: Segment, user: Any) -> dict[str, Any]:
    """How many members the person sees, and how many of them they may schedule for."""
    try:
        members = membership.members(segment, user)
        seen = members.count()
        editable = members.filter(pk__in=access.editable_contacts(user).values("pk")).count()
    except RulesError as exc:
        return {"problems": [p.message for p in exc.problems]}
    return {"seen": seen, "editable": editable, "not_editable": seen - editable}


def _reasons(result: SegmentLaunch) -> list[tuple[str, int]]:
    counted = Counter(str(skip.get("reason", "")) for skip in result.run.skipped)
    return counted.most_common()


@login_required
def segment_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the dialog's form; POST: launch, and show what was done (or the form with the
    error next to the field)."""
    user = request.user
    segment = permissions.find_segment(user, pk)
    form = ScheduleSegmentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and isinstance(user, User):
        data = form.cleaned_data
        try:
            result = schedule_segment(
                segment,
                data["action"],
                user,
                data["occurrence"] or new_occurrence(),
                browser_timezone=data["browser_timezone"],
                from_page=True,
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("action", exc.messages):
                form.add_error("action", message)
        except RulesError as exc:
            form.add_error(None, str(exc))
        else:
            return render(
                request,
                "segments/schedule_done.html",
                {"segment": segment, "result": result, "reasons": _reasons(result)},
            )
    # 200 with the errors: htmx swaps only successful answers into the dialog.
    return render(
        request,
        "segments/schedule_form.html",
        {"segment": segment, "form": form, "reach": _reach(segment, user)},
    )
