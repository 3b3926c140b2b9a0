"""A static segment's members, added and removed by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from convener.crm.models import Contact
from convener.segments import membership, permissions
from convener.segments.models import Segment, SegmentMember
from convener.team import access

CANDIDATES_SHOWN = 10


def _static_segment(request: HttpRequest, pk: int) -> Segment:
    segment = permissions.find_segment(request.user, pk, edit=True)
    if segment.is_dynamic:
        raise access.NotAllowed(
            f"“{segment.name}” is dynamic: its members are the contacts its rules match."
        )
    return segment


def _ids(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("contact") if v.isdigit() and len(v) < 19]


@login_required
def member_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Contacts to add: those the person may see that are not members yet."""
    segment = _static_segment(request, pk)
    query = request.GET.get("q", "").replace("\x00", "").strip()
    found = []
    if query:
        present = SegmentMember.objects.filter(segment=segment).values("contact_id")
        found = list(
            access.visible_contacts(request.user)
            .exclude(pk__in=present)
            .filter(
                Q(email__icontains=query)
                | Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
                | Q(company__icontains=query)
            )[:CANDIDATES_SHOWN]
        )
    return render(
        request, "segments/candidates.html", {"segment": segment, "found": found, "query": query}
    )


def _posted_contacts(request: HttpRequest) -> list[Contact] | None:
    """The posted contacts (`contact`, one or many ids) the person may see; None, with the
    reason as a message, when one of them is not."""
    try:
        return access.find_contacts(request.user, _ids(request), field="contact")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None


@login_required
@require_POST
def members_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the posted contacts (`contact`, one or many ids) to a static segment."""
    segment = _static_segment(request, pk)
    contacts = _posted_contacts(request)
    if contacts is None:
        return redirect("segment", pk=segment.pk)
    added = membership.add(segment, contacts, request.user)
    messages.success(request, f"Added {added} contact{'s' if added != 1 else ''} to “{segment}”.")
    return redirect("segment", pk=segment.pk)


@login_required
@require_POST
def members_remove(request: HttpRequest, pk: int) -> HttpResponse:
    segment = _static_segment(request, pk)
    contacts = _posted_contacts(request)
    if contacts is None:
        return redirect("segment", pk=segment.pk)
    removed = membership.remove(segment, contacts)
    names = ", ".join(c.name for c in contacts[:3])
    messages.success(
        request, f"Removed {names} from “{segment}”." if removed else "Nothing to remove."
    )
    return redirect("segment", pk=segment.pk)
