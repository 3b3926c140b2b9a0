"""A demo-request form as an admin would build it, and a visitor's way of sending it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.test import Client

from convener.crm.models import CustomField
from convener.meetings.models import MeetingAction
from convener.team.models import User
from convener.webforms.models import FieldKind, FormField, WebForm
from convener.webforms.tokens import read_done
from tests.conftest import run_worker


def demo_form(owner: User, *, action: MeetingAction | None = None, **settings: Any) -> WebForm:
    form = WebForm.objects.create(
        name="Request a demo", owner=owner, published=True, action=action, **settings
    )
    FormField.objects.create(form=form, key="name", label="First name", target="first_name")
    FormField.objects.create(
        form=form,
        key="email",
        label="Email",
        kind=FieldKind.EMAIL,
        target="email",
        required=True,
        position=2,
    )
    return form


def preferred_field(kind: str = CustomField.Kind.DATETIME) -> CustomField:
    return CustomField.objects.create(key="preferred", label="Preferred time", kind=kind)


def add_preferred(form: WebForm, kind: str = FieldKind.DATETIME) -> FormField:
    return FormField.objects.create(
        form=form,
        key="when",
        label="Preferred time",
        kind=kind,
        target="fields.preferred",
        required=True,
        position=3,
    )


def field_action(**timing: Any) -> MeetingAction:
    return MeetingAction.objects.create(
        name="Demo call",
        provider="jitsi",
        timing={"mode": "field", "field": "preferred", **timing},
        timezone="Europe/Berlin",
        timezone_chain=["browser", "contact", "action", "default"],
    )


def rendered_token(client: Client, form: WebForm) -> str:
    page = client.get(f"/f/{form.slug}/")
    assert page.status_code == 200
    found = re.search(r'name="cv_token" value="([^"]+)"', page.content.decode())
    assert found
    return found.group(1)


def send(
    client: Client, form: WebForm, token: str | None = None, *, work: bool = True, **answers: str
) -> Any:
    """The visitor's send; then, unless `work` is False, the worker runs what it queued
    (the contact, the segment, the meeting), as it does a moment later in production."""
    data = {"cv_token": token or rendered_token(client, form), **answers}
    answer = client.post(
        f"/f/{form.slug}/", data, REMOTE_ADDR=answers.pop("address", "203.0.113.9")
    )
    if work:
        run_worker()
    return answer


def thank_you_of(answer: Any) -> int | None:
    """The submission whose thank-you page a send's answer leads to. Its signed address
    carries the second it was signed in, so two answers for one submission may differ."""
    address = urlsplit(answer["Location"])
    assert address.path.endswith("/done/")
    return read_done(parse_qs(address.query)["s"][0])
