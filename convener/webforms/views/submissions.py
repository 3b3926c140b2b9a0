"""A form's submissions: what each visitor sent, the contact, and the meeting it produced
(its state and link) or why there is none; filtered, and exported as CSV."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from convener.csvstream import cell
from convener.meetings.phases import phase_of
from convener.webforms import permissions, processing
from convener.webforms.models import Submission, SubmissionStatus
from convener.webforms.submission_query import SubmissionFilter

PAGE_SIZE = 50


@login_required
def submission_list(request: HttpRequest, pk: int) -> HttpResponse:
    form = permissions.find_form(request.user, pk, edit=True)
    processing.recover_waiting()  # a submission whose worker died is queued again
    wanted = SubmissionFilter.read(request.GET)
    page = Paginator(wanted.apply(form), PAGE_SIZE).get_page(request.GET.get("page"))
    fields = list(form.fields.all())
    rows = [
        {
            "submission": s,
            "answers": [(f.label, s.values.get(f.key, "")) for f in fields if s.values.get(f.key)],
            "phase": phase_of(s.meeting) if s.meeting else None,
        }
        for s in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "webforms/submissions.html",
        {
            "web_form": form,
            "rows": rows,
            "page": page,
            "wanted": wanted,
            "statuses": SubmissionStatus.choices,
            "query_string": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def submission_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    form = permissions.find_form(request.user, pk, edit=True)
    wanted = SubmissionFilter.read(request.GET)
    fields = list(form.fields.all())
    zone = timezone.get_current_timezone()

    def rows() -> Any:
        writer = csv.writer(_Echo())
        yield writer.writerow(
            [
                f"Received ({zone})",
                *[f.label for f in fields],
                "Browser time zone",
                "Outcome",
                "Contact email",
                "Meeting start (UTC)",
                "Meeting state",
                "Meeting link",
                "Reason",
            ]
        )
        submission: Submission
        for submission in wanted.apply(form).iterator(chunk_size=500):
            meeting = submission.meeting
            yield writer.writerow(
                [
                    timezone.localtime(submission.received_at, zone).strftime("%Y-%m-%d %H:%M"),
                    *[cell(submission.values.get(f.key, "")) for f in fields],
                    submission.browser_timezone,
                    submission.get_status_display(),
                    submission.contact.email if submission.contact else "",
                    meeting.start.strftime("%Y-%m-%d %H:%M") if meeting else "",
                    phase_of(meeting).label if meeting else "",
                    meeting.join_url if meeting else "",
                    submission.reason,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{form.slug}-submissions.csv"'
    return response
