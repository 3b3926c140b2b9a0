"""/api/v1/forms: the public web forms and their submissions, read-only.

Every signed-in member lists the forms; a form's submissions (what visitors typed about
themselves) are read by its owner and administrators, as on the Submissions page
(docs/permissions.md).
"""

# No `from __future__ import annotations` here: @paginate re-reads the list view's
# annotations (see api/meetings.py).

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from convener.api.auth import person
from convener.api.rows import Rows
from convener.api.schemas import RowId
from convener.webforms import permissions
from convener.webforms.models import Submission, WebForm

router = Router(tags=["forms"])


class FormOut(Schema):
    id: int
    name: str
    published: bool
    public_url: str = Field(description="the public page; embed it with ?embed=1")
    action_id: int | None = Field(description="the meeting action a submission runs")
    owner: str | None = Field(description="username of the form's owner")
    created_at: datetime


class SubmissionOut(Schema):
    id: int
    received_at: datetime
    values: dict[str, str] = Field(description="field key -> what the visitor sent")
    browser_timezone: str = Field(description="the zone the visitor's browser reported")
    status: str = Field(description="scheduled, received, not_scheduled or spam")
    reason: str = Field(description="why there is no meeting; empty otherwise")
    contact_id: int | None
    meeting_id: int | None


def form_out(form: WebForm) -> dict[str, Any]:
    return {
        "id": form.pk,
        "name": form.name,
        "published": form.published,
        "public_url": settings.SITE_URL + reverse("webform_public", kwargs={"slug": form.slug}),
        "action_id": form.action_id,
        "owner": form.owner.username if form.owner else None,
        "created_at": form.created_at,
    }


def submission_out(submission: Submission) -> dict[str, Any]:
    return {
        "id": submission.pk,
        "received_at": submission.received_at,
        "values": {str(k): str(v) for k, v in (submission.values or {}).items()},
        "browser_timezone": submission.browser_timezone,
        "status": submission.status,
        "reason": submission.reason,
        "contact_id": submission.contact_id,
        "meeting_id": submission.meeting_id,
    }


@router.get("/forms", response=list[FormOut])
@paginate
def list_forms(request: HttpRequest) -> Rows[WebForm]:
    """Every web form, by name."""
    return Rows(permissions.visible_forms(person(request)), form_out)


@router.get("/forms/{form_id}/submissions", response=list[SubmissionOut])
@paginate
def list_submissions(request: HttpRequest, form_id: RowId) -> Rows[Submission]:
    """The form's submissions, newest first (its owner and administrators)."""
    form = permissions.find_form(person(request), form_id, edit=True)
    return Rows(form.submissions.all(), submission_out)
