"""The bulk "Schedule meeting" popup of the contacts list: the selected contacts as
recipients (reviewed, removed, more added by search), then either a saved action run on
them, or the single popup's options set once for all. Launching records a run
(convener.scheduling.launch) and the popup shows what it did.

The trigger reference is (bulk, the action's id or "user-<id>" for options set in the
popup, the popup's occurrence): a second submit of the same popup is the same run, with
no meeting doubled.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from convener.crm.models import Contact
from convener.meetings.models import MeetingAction, Run
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling.accounts import NoUsableConnection
from convener.scheduling.background import launch_from_page
from convener.scheduling.oneoff import validate
from convener.scheduling.request import FixedStart, ScheduleRequest
from convener.scheduling.starts import start_instant
from convener.scheduling.validation import action_problems
from convener.team import access
from convener.team.models import User
from convener.web.bulk_forms import ACTION, BulkLaunchForm, bulk_host_refusal, bulk_options
from convener.web.contact_query import ContactQuery, FilterProblem
from convener.web.forms import ScheduleMeetingForm
from convener.web.selection import Selection
from convener.web.views.contacts import one_off_settings, show_schedule_errors

RECIPIENTS_SHOWN = 50
FOUND_SHOWN = 8
NAMES_PER_REASON = 5


@dataclass
class Recipients:
    """The selection as the popup shows it."""

    selection: Selection
    contacts: QuerySet[Contact]
    count: int
    shown: list[tuple[Contact, bool]]  # the first ones, and whether the person may change each
    refused: int  # those scheduling will skip: the person may not change them
    problem: str = ""

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.shown))


def _recipients(user: Any, selection: Selection) -> Recipients:
    try:
        contacts = selection.contacts(user)
    except FilterProblem as exc:
        return Recipients(selection, Contact.objects.none(), 0, [], 0, str(exc))
    first = list(contacts[:RECIPIENTS_SHOWN])
    editable = set(
        access.editable_contacts(user)
        .filter(pk__in=[c.pk for c in first])
        .values_list("pk", flat=True)
    )
    refused = contacts.exclude(pk__in=access.editable_contacts(user).values("pk")).count()
    return Recipients(
        selection,
        contacts,
        contacts.count(),
        [(c, c.pk in editable) for c in first],
        refused,
    )


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required
    return request.user


def _render(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    # The popup opens in a dialog; reached without htmx it is a page of its own.
    partial = bool(getattr(request, "htmx", False))
    template = "web/contacts/bulk_schedule.html" if partial else "web/contacts/bulk_page.html"
    return render(request, template, context)


def _options_initial(user: User) -> dict[str, Any]:
    return {
        "title": f"Meeting with {user.display_name}",
        "timezone": user.timezone or "UTC",
        "date": timezone.localdate() + timedelta(days=1),
        "time": time(10, 0),
    }


@login_required
@require_http_methods(["GET", "POST"])
def bulk_schedule(request: HttpRequest) -> HttpResponse:
    """GET: the popup for the selection in the query string. POST: launch, and show the
    outcome in the popup, or the form again with its errors next to the fields."""
    user = _person(request)
    if request.method != "POST":
        selection = Selection.from_params(request.GET)
        return _render(
            request,
            {
                "recipients": _recipients(user, selection),
                "how": BulkLaunchForm(),
                "options": bulk_options(initial=_options_initial(user)),
                "actions_exist": MeetingAction.objects.exists(),
            },
        )
    selection = Selection.from_params(request.POST)
    recipients = _recipients(user, selection)
    how = BulkLaunchForm(request.POST)
    options = bulk_options(request.POST)
    run = None
    if how.is_valid():
        if how.cleaned_data["how"] == ACTION:
            run = _run_action(user, how, recipients)
        elif options.is_valid():
            run = _run_options(user, how, options, recipients)
    if run is not None:
        return render(request, "web/contacts/bulk_outcome.html", _outcome(user, run))
    # 200, not 422: htmx swaps only successful responses, and the form with its errors is
    # what the person needs to see.
    return _render(
        request,
        {
            "recipients": recipients,
            "how": how,
            "options": options,
            "actions_exist": MeetingAction.objects.exists(),
        },
    )


def _ids(how: BulkLaunchForm, recipients: Recipients) -> list[int] | None:
    if recipients.problem:
        how.add_error(None, recipients.problem)
        return None
    ids = list(recipients.contacts.values_list("pk", flat=True))
    if not ids:
        how.add_error(None, "There is no recipient: add at least one contact.")
        return None
    if recipients.refused >= len(ids):
        how.add_error(
            None,
            "You may not change any of the recipients, so no meeting can be scheduled "
            "for them: it needs the permission to edit their contacts.",
        )
        return None
    return ids


def _run_action(user: User, how: BulkLaunchForm, recipients: Recipients) -> Run | None:
    action: MeetingAction = how.cleaned_data["action"]
    problems = action_problems(action, action.internal_attendees.count())
    if problems:
        field, message = next(iter(problems.items()))
        how.add_error(
            "action", f"“{action.name}” cannot run until it is fixed: {field}: {message}."
        )
        return None
    ids = _ids(how, recipients)
    if ids is None:
        return None
    request = ScheduleRequest(
        action=action,
        contact_ids=ids,
        trigger=TriggerRef(TriggerKind.BULK, str(action.pk), how.cleaned_data["occurrence"]),
        requested_by=user,
        browser_timezone=how.cleaned_data["browser_timezone"] or None,
    )
    try:
        return launch_from_page(request, label=f"{action.name}: {len(ids)} selected contacts")
    except NoUsableConnection as exc:
        how.add_error("action", f"No meeting can be scheduled: {exc}.")
        return None


def _run_options(
    user: User, how: BulkLaunchForm, options: ScheduleMeetingForm, recipients: Recipients
) -> Run | None:
    params = one_off_settings(options.cleaned_data)
    try:
        validate(params, user)
    except ValidationError as exc:
        show_schedule_errors(options, exc)
        return None
    if refused := bulk_host_refusal(user, params.host, params.provider):
        options.add_error("host", refused)
        return None
    if params.start is not None:
        # The planner would skip every recipient of a start in the past; one error says
        # it once, next to the date.
        now = timezone.now()
        if start_instant(params.start, params.timezone, now)[0] < now:
            options.add_error(
                "date", f"This date and time has passed in {params.timezone}: pick a later one."
            )
            return None
    ids = _ids(how, recipients)
    if ids is None:
        return None
    request = ScheduleRequest(
        action=params.action(user),
        contact_ids=ids,
        trigger=TriggerRef(TriggerKind.BULK, f"user-{user.pk}", how.cleaned_data["occurrence"]),
        requested_by=user,
        # A time picked in the popup is read in the zone picked with it.
        start=FixedStart(params.start, params.timezone) if params.start else None,
        browser_timezone=how.cleaned_data["browser_timezone"] or None,
    )
    try:
        return launch_from_page(request, label=params.title)
    except NoUsableConnection as exc:
        options.add_error("provider" if params.host is None else "host", str(exc))
        return None


def _outcome(user: User, run: Run) -> dict[str, Any]:
    """The run as the popup reports it: meetings made, and the skipped grouped by reason
    with the names of (a few of) their contacts."""
    by_reason: dict[str, list[int]] = defaultdict(list)
    for skip in run.skipped or []:
        by_reason[str(skip.get("reason", ""))].append(int(skip.get("contact_id", 0)))
    names = access.visible_contacts(user).in_bulk(
        [pk for pks in by_reason.values() for pk in pks[:NAMES_PER_REASON]]
    )
    reasons = [
        {
            "reason": reason,
            "count": len(pks),
            "names": [names[pk].name for pk in pks[:NAMES_PER_REASON] if pk in names],
            "more": max(0, len(pks) - NAMES_PER_REASON),
        }
        for reason, pks in by_reason.items()
    ]
    return {
        "run": run,
        "reasons": reasons,
        "unlisted": max(0, run.skipped_count - len(run.skipped or [])),
        "run_url": f"/runs/{run.pk}/",
    }


# -- the recipients, changed in the popup ---------------------------------------------------


@login_required
@require_POST
def recipients(request: HttpRequest) -> HttpResponse:
    """Remove (`remove`) or add (`add`) one recipient; answers the recipients block, whose
    hidden inputs carry the selection as it now is."""
    user = _person(request)
    selection = Selection.from_params(request.POST)
    removed, added = request.POST.get("remove", ""), request.POST.get("add", "")
    if removed.isdigit() and len(removed) < 19:
        selection.remove(int(removed))
    if added.isdigit() and len(added) < 19:
        selection.add(int(added))
    return render(
        request, "web/contacts/bulk_recipients.html", {"recipients": _recipients(user, selection)}
    )


@login_required
@require_GET
def find_recipients(request: HttpRequest) -> HttpResponse:
    """Contacts to add, by name, email address or company: those the person may see."""
    text = request.GET.get("find", "")
    search = ContactQuery.from_params({"q": text})
    found: list[Contact] = []
    if search.q:
        visible = access.visible_contacts(request.user)
        found = list(search.ordered(search.contacts(request.user, visible))[:FOUND_SHOWN])
    return render(
        request, "web/contacts/bulk_found.html", {"found": found, "searched": bool(search.q)}
    )
