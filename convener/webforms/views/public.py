"""The public page of a form, its submission and the visitor's thank-you page.

These pages are anonymous and may be shown inside an iframe on any website: they alone
lift the app's framing ban (X-Frame-Options and CSP frame-ancestors), and they are exempt
from Django's CSRF check because a third-party iframe gets no CSRF cookie. What protects
a post instead is the signed per-render token (convener.webforms.tokens). Each page is
never cached: a cached page would hand two visitors the same token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast
from zoneinfo import ZoneInfo

from csp.decorators import csp_replace
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt

from convener.db.rows import unique_row
from convener.meetings.models import MeetingState
from convener.webforms import permissions, processing, submit, tokens
from convener.webforms.field_cache import fields_of
from convener.webforms.models import Submission, SubmissionStatus, WebForm
from convener.webforms.public_form import PublicForm

EMBEDDABLE = {"frame-ancestors": ["*"]}


def embeddable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Framing allowed from any site, for this view only: the app's other pages keep
    X-Frame-Options: DENY and frame-ancestors 'none'."""
    framed = xframe_options_exempt(csp_replace(EMBEDDABLE)(view))  # type: ignore[arg-type]
    return cast(Callable[..., HttpResponse], framed)


def _published(request: HttpRequest, slug: str) -> WebForm:
    """The form of `slug` if it is published; its owner and administrators also see an
    unpublished one, to try it. With its meeting action for a send, which checks and
    answers by it; the page shows nothing of it, and joining its many columns into the
    query cost nearly a tenth of the page's CPU."""
    forms = WebForm.objects.filter(slug=slug)
    if request.method == "POST":
        forms = forms.select_related("action")
    form = unique_row(forms)
    if form is None:
        raise Http404("no such form")
    if not form.published and not (
        request.user.is_authenticated and permissions.may_change(request.user, form)
    ):
        raise Http404("this form is not published")
    return form


def _page(
    request: HttpRequest, form: WebForm, public: PublicForm, *, notice: str = "", status: int = 200
) -> HttpResponse:
    public.mark_errors()
    return render(
        request,
        "webforms/public.html",
        {"web_form": form, "public": public, "notice": notice, "embedded": _embedded(request)},
        status=status,
    )


def _embedded(request: HttpRequest) -> bool:
    return request.GET.get("embed") == "1" or request.POST.get("cv_embed") == "1"


def _address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _done(form: WebForm, submission: Submission, request: HttpRequest) -> HttpResponse:
    if form.redirect_url and submission.status != SubmissionStatus.NOT_SCHEDULED:
        return HttpResponseRedirect(form.redirect_url, status=303)
    url = reverse("webform_done", kwargs={"slug": form.slug})
    query = f"?s={tokens.done_token(submission.pk)}"
    if _embedded(request):
        query += "&embed=1"
    response = HttpResponseRedirect(url + query)
    response.status_code = 303
    return response


@never_cache
@csrf_exempt
@embeddable
def form_public(request: HttpRequest, slug: str) -> HttpResponse:
    form = _published(request, slug)
    fields = fields_of(form)
    if request.method != "POST":
        initial = {key: request.GET[key] for key in request.GET if key in {f.key for f in fields}}
        public = PublicForm(form, fields, initial={**initial, "cv_token": tokens.issue(form.pk)})
        return _page(request, form, public)
    return _submitted(request, form, fields)


def _submitted(request: HttpRequest, form: WebForm, fields: list[Any]) -> HttpResponse:
    from django.conf import settings

    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.FORM_MAX_BYTES:
        public = PublicForm(form, fields, initial={"cv_token": tokens.issue(form.pk)})
        kb = settings.FORM_MAX_BYTES // 1024
        notice = (
            f"Your answers are longer than this form accepts ({kb} KB in all). "
            "Please shorten the longest answer and send the form again."
        )
        return _page(request, form, public, notice=notice, status=413)
    data = request.POST.copy()
    try:
        nonce = tokens.read(data.get("cv_token", ""), form.pk)
    except tokens.TokenRefused:
        data["cv_token"] = tokens.issue(form.pk)
        public = PublicForm(form, fields, data)
        public.is_valid()
        notice = (
            "This page was open for a long time, so nothing was sent yet. "
            "Please check your answers and send the form again."
        )
        return _page(request, form, public, notice=notice, status=400)
    found = unique_row(Submission.objects.filter(form=form, nonce=nonce))
    if found is not None:  # a double click, a retry, a re-posted page: one submission
        return _done(form, found, request)
    public = PublicForm(form, fields, data)
    address = _address(request)
    if submit.over_rate(address):
        return _page(
            request,
            form,
            public,
            notice=(
                "Too many forms were sent from your network in the last minute, so this one "
                "was not sent yet. Please wait a minute and send it again; your answers are "
                "kept below."
            ),
            status=429,
        )
    zone = submit.browser_zone(form, str(data.get("cv_tz", "")))
    if data.get("cv_homepage"):
        received = submit.store(
            form, nonce, public.sent_text(), zone, address, SubmissionStatus.SPAM
        )
        return _done(form, received.submission, request)
    if not public.is_valid():
        return _page(request, form, public, notice=_problems(public))
    checked = submit.check(form, fields, public.cleaned_data, zone)
    if checked.errors:
        for key, messages in checked.errors.items():
            for message in messages:
                public.add_error(key, message)
        return _page(request, form, public, notice=_problems(public))
    received = submit.receive(form, nonce, public.sent_text(), zone, address, checked)
    return _done(form, received.submission, request)


def _problems(public: PublicForm) -> str:
    count = len(public.errors)
    return (
        "Please correct the answer marked below."
        if count == 1
        else f"Please correct the {count} answers marked below."
    )


def _submission_of(request: HttpRequest, slug: str) -> tuple[WebForm, Submission]:
    """The form and the submission whose signed address the visitor holds."""
    form = unique_row(WebForm.objects.select_related("action").filter(slug=slug))
    submission_id = tokens.read_done(request.GET.get("s", ""))
    submission = (
        Submission.objects.select_related("meeting", "contact")
        .filter(pk=submission_id, form=form)
        .first()
        if form is not None and submission_id is not None
        else None
    )
    if form is None or submission is None:
        raise Http404("no such submission")
    processing.recover_if_waiting(submission)
    return form, submission


def _outcome_context(request: HttpRequest, form: WebForm, submission: Submission) -> dict[str, Any]:
    status_url = reverse("webform_done_status", kwargs={"slug": form.slug})
    return {
        "web_form": form,
        "submission": submission,
        "embedded": _embedded(request),
        "status_url": f"{status_url}?s={request.GET.get('s', '')}",
        **outcome(form, submission),
    }


@never_cache
@embeddable
def form_done(request: HttpRequest, slug: str) -> HttpResponse:
    form, submission = _submission_of(request, slug)
    return render(request, "webforms/done.html", _outcome_context(request, form, submission))


@never_cache
@embeddable
def form_done_status(request: HttpRequest, slug: str) -> HttpResponse:
    """The thank-you page's outcome alone, which the page asks for again every second
    while the worker is still processing the submission (htmx, no inline script)."""
    form, submission = _submission_of(request, slug)
    return render(
        request, "webforms/done_outcome.html", _outcome_context(request, form, submission)
    )


def outcome(form: WebForm, submission: Submission) -> dict[str, Any]:
    """What the thank-you page may honestly say: "being scheduled" while the worker has
    not yet run the submission; the meeting's time in the visitor's zone when one is
    planned and has not failed; else that the request was received."""
    if submission.status == SubmissionStatus.PROCESSING:
        return {
            "planned": None,
            "follow_up": False,
            "processing": True,
            "scheduling": bool(form.action_id),
        }
    meeting = submission.meeting
    if (
        meeting is None
        or submission.status != SubmissionStatus.SCHEDULED
        or meeting.state in {MeetingState.LINK_FAILED, MeetingState.CANCELLED}
        or meeting.cancel_requested
    ):
        return {"planned": None, "follow_up": submission.status == SubmissionStatus.NOT_SCHEDULED}
    zone_name = (
        submission.browser_timezone
        or (submission.contact.timezone if submission.contact else "")
        or meeting.timezone
    )
    zone = ZoneInfo(zone_name)
    return {
        "planned": timezone.localtime(meeting.start, zone),
        "planned_zone": zone_name,
        "invitation_sent": bool(form.action and form.action.send_invitations),
        "follow_up": False,
    }
