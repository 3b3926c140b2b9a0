"""Launching an action: choose the recipients, read the preview, launch, follow the run.

GET shows the choice of recipients (contacts found by a search, ids typed or pasted, or
every contact the person may edit). A POST without `step=launch` answers the preview:
counts, first and last start, every skip with its reason, warnings, each host's plan day
by day; nothing is saved. Its "Launch" button posts the same recipients with
`step=launch` and the occurrence token the preview was shown with, so a double submit is
the same run; the person lands on the run's page.

Other pages post their selection here (a bulk selection of the contacts list, a segment):
`contact_ids`, repeated or as one value separated by commas or spaces (at most 10,000),
and an optional `label` that names the run ("Segment: VIP leads").
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from convener.meetings.models import MeetingAction
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.plaintext import one_line
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.background import in_background, launch_later
from convener.scheduling.launch import launch_with_outcome
from convener.scheduling.limits import LAUNCH_CONTACT_IDS_MAX
from convener.scheduling.preview import preview
from convener.scheduling.request import ScheduleRequest
from convener.scheduling.validation import action_problems
from convener.team import access
from convener.team.models import User

SEARCH_RESULTS = 50
_SEPARATORS = re.compile(r"[\s,;]+")
_TOKEN = re.compile(r"[0-9a-f]{32}")


class LaunchForm(forms.Form):
    RECIPIENTS = [("chosen", "Contacts I choose"), ("all", "All contacts I may edit")]

    recipients = forms.ChoiceField(choices=RECIPIENTS, widget=forms.RadioSelect, initial="chosen")
    contact_ids = forms.CharField(
        label="Contact ids",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "12, 15, 31 …"}),
        help_text="Ticked contacts are added here; ids may be pasted too, separated by "
        "commas or spaces.",
    )
    label = forms.CharField(required=False, widget=forms.HiddenInput)
    occurrence = forms.CharField(required=False, widget=forms.HiddenInput)
    step = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None and hasattr(data, "getlist"):
            # `contact_ids` may be posted once per id (ticked boxes) or as one list.
            data = data.copy()
            data["contact_ids"] = " ".join(data.getlist("contact_ids"))
            data.setdefault("recipients", "chosen")
        super().__init__(data, **kwargs)

    def clean_contact_ids(self) -> list[int]:
        ids: list[int] = []
        for token in _SEPARATORS.split(self.cleaned_data.get("contact_ids") or ""):
            if not token:
                continue
            if not token.isascii() or not token.isdigit() or len(token) > 18:
                raise ValidationError(f"“{token[:20]}” is not a contact id (ids are numbers).")
            ids.append(int(token))
        ids = list(dict.fromkeys(ids))
        if len(ids) > LAUNCH_CONTACT_IDS_MAX:
            raise ValidationError(
                f"At most {LAUNCH_CONTACT_IDS_MAX:,} contacts can be listed at once "
                f"({len(ids):,} are); choose “All contacts I may edit” instead."
            )
        return ids

    def clean_label(self) -> str:
        return one_line(self.cleaned_data.get("label") or "")[:200]

    def clean_occurrence(self) -> str:
        token = self.cleaned_data.get("occurrence") or ""
        return token if _TOKEN.fullmatch(token) else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("recipients") == "chosen"
        if chosen and not data.get("contact_ids") and "contact_ids" not in self.errors:
            self.add_error("contact_ids", "Choose at least one contact, or all contacts.")
        return data


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _search(user: User, query: str) -> list[Any]:
    contacts = access.editable_contacts(user).select_related("owner").order_by("pk")
    query = query.replace("\x00", "").strip()
    if query:
        contacts = contacts.filter(
            Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(company__icontains=query)
        )
    return list(contacts[:SEARCH_RESULTS])


def _chooser(request: HttpRequest, action: MeetingAction, form: LaunchForm) -> HttpResponse:
    user = _user(request)
    query = request.GET.get("q", "")
    context = {
        "action": action,
        "form": form,
        "query": query,
        "results": _search(user, query),
        "editable": access.editable_contacts(user).count(),
    }
    return render(request, "web/actions/launch.html", context)


def _recipients(user: User, data: dict[str, Any]) -> tuple[list[int], str]:
    """The contact ids to launch for and the run's label. Ids the person may not see are
    refused as missing (a ValidationError on contact_ids); those they may see but not edit
    stay, and are skipped with the reason."""
    if data["recipients"] == "all":
        ids = list(access.editable_contacts(user).order_by("pk").values_list("pk", flat=True))
        if not ids:
            raise ValidationError({"recipients": "You may edit no contacts: nobody to launch for."})
        return ids, data["label"] or "All contacts I may edit"
    ids = access.find_contact_ids(user, data["contact_ids"])
    count = len(ids)
    return ids, data["label"] or f"{count} contact{'s' if count != 1 else ''}"


@login_required
def launch(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(MeetingAction, pk=pk)
    if request.method != "POST":
        return _chooser(request, action, LaunchForm(initial={"recipients": "chosen"}))
    user = _user(request)
    form = LaunchForm(request.POST)
    if not form.is_valid():
        return _chooser(request, action, form)
    data = form.cleaned_data
    try:
        ids, label = _recipients(user, data)
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(name, error[:1].upper() + error[1:] + ".")
        return _chooser(request, action, form)
    token = data["occurrence"] or uuid.uuid4().hex
    schedule_request = ScheduleRequest(
        action=action,
        contact_ids=ids,
        # The person's id in the occurrence: two people's launches are never one run.
        trigger=TriggerRef(TriggerKind.BULK, str(action.pk), f"web-{user.pk}-{token}"),
        requested_by=user,
    )
    problems = action_problems(action, action.internal_attendees.count())
    error = ""
    if data["step"] == "launch" and not problems and in_background(schedule_request):
        run = launch_later(schedule_request, label=label)
        messages.success(
            request,
            f"Launched: the worker is scheduling meetings for {len(ids)} contacts. This page "
            "follows them; links and invitations follow at the providers' pace.",
        )
        return redirect("run", pk=run.pk)
    if data["step"] == "launch" and not problems:
        try:
            run, outcome = launch_with_outcome(schedule_request, label=label)
        except NoUsableConnection as exc:
            error = f"No meeting can be scheduled: {exc}."
        else:
            made = len(outcome.created_ids)
            messages.success(
                request,
                f"Launched: {made} meeting{'s' if made != 1 else ''} planned"
                + (
                    f" ({len(outcome.waiting_ids)} wait for an account to be reconnected)"
                    if outcome.waiting_ids
                    else ""
                )
                + (f", {len(outcome.skipped)} skipped" if outcome.skipped else "")
                + ". Links and invitations follow at the providers' pace.",
            )
            return redirect("run", pk=run.pk)
    context = {
        "action": action,
        "problems": problems,
        "preview": None if problems else preview(schedule_request),
        "error": error,
        "recipients": data["recipients"],
        "contact_ids": ",".join(str(pk) for pk in data["contact_ids"]),
        "label": label,
        "occurrence": token,
        "count": len(ids),
    }
    return render(request, "web/actions/preview.html", context)
