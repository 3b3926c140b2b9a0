"""A template that fails to render keeps the link; the invitations go out once it is fixed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from convener.crm.models import Contact
from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.scheduling.support import (
    CONTACT,
    calls,
    connect_zoom,
    in_days,
    invites,
    run,
    schedule_call,
)

pytestmark = pytest.mark.django_db


def test_invitations_that_fail_to_render_keep_the_link_and_go_out_once_fixed(
    client: Any,
    member: User,
    contact: Contact,
    zoom: FakeServer,
    smtp_server: Inbox,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from convener.meetings.models import InvitationTemplate

    connect_zoom(client, member)
    broken = InvitationTemplate.objects.create(
        name="Broken",
        text_template="{% include 'no-such-template.txt' %}",
        html_template="<p>{{ when }}</p>",
    )
    meeting = schedule_call(
        member, contact, "zoom", django_capture_on_commit_callbacks, in_days(4, 10)
    )

    assert meeting.join_url and meeting.state == "linked"  # the link is kept
    assert "invitations not sent yet" in meeting.state_reason
    assert "TemplateDoesNotExist" in meeting.state_reason
    assert invites(smtp_server, CONTACT) == []

    broken.delete()
    assert meeting.next_attempt_at is not None
    with time_machine.travel(meeting.next_attempt_at + timedelta(seconds=1), tick=False):
        run(meeting)

    assert meeting.state == "invited", meeting.state_reason
    assert [i.url for i in invites(smtp_server, CONTACT)] == [meeting.join_url]
    creates = sum(n for route, n in calls(zoom).items() if route.startswith("POST create_meeting"))
    assert creates == 1  # the provider step was not redone
