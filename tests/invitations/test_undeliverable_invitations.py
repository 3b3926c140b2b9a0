"""An invitation that can never be sent stops being tried, and the meeting says why: in
the API and on the meeting page. A 5xx from the SMTP server or a message that cannot be
built gives up at once; a failure that might pass gives up after a bounded number of
tries; "Retry now" tries again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from convener.crm.models import Contact
from convener.dispatch.dispatcher import drain
from convener.dispatch.sweeper import sweep
from convener.meetings.models import Delivery, InvitationTemplate, Meeting
from convener.team.models import User
from tests.api.caller import Call, api_caller
from tests.conftest import Inbox, free_port

pytestmark = pytest.mark.django_db

CONTACT = "bob@example.org"
GUEST = "carol@partner.example"


@pytest.fixture
def api(client: Any, api_token: str) -> Call:
    return api_caller(client, api_token)


@pytest.fixture
def meeting(api: Call, contact: Contact, django_capture_on_commit_callbacks: Any) -> Iterator[Any]:
    """Schedules through the API; yields a function that runs sync and reads the meeting."""
    with django_capture_on_commit_callbacks(execute=False):
        made = api(
            "post",
            "/meetings",
            {"contact_ids": [contact.pk], "title": "Demo", "attendees": [GUEST]},
        )
    meeting_id = made.json()["meetings"][0]["id"]

    def run() -> dict[str, Any]:
        drain(Meeting.objects.get(pk=meeting_id).lane)
        answer = api("get", f"/meetings/{meeting_id}")
        assert answer.status_code == 200, answer.content
        return dict(answer.json())

    yield run


def invitation_to(shown: dict[str, Any], recipient: str) -> dict[str, Any]:
    (invitation,) = [i for i in shown["invitations"] if i["recipient"] == recipient]
    return dict(invitation)


def run_when_due(run: Any) -> dict[str, Any]:
    due = Meeting.objects.get().next_attempt_at
    assert due is not None, "nothing is due"
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        return dict(run())


def test_a_mailbox_the_server_refuses_for_good_is_tried_once_and_the_meeting_says_why(
    meeting: Any, smtp_server: Inbox, client: Any, member: User
) -> None:
    smtp_server.refused.add(CONTACT)
    shown = meeting()

    refused = invitation_to(shown, CONTACT)
    assert refused["status"] == "undeliverable"
    assert "550 5.1.1 mailbox unavailable" in refused["error"]
    assert invitation_to(shown, GUEST)["status"] == "sent"
    assert shown["state"] == "invited"
    assert shown["state_reason"].startswith(f"not delivered to {CONTACT}: ")
    assert "550" in shown["state_reason"]
    assert shown["next_attempt_at"] is None
    assert Delivery.objects.get(recipient=CONTACT).attempts == 1

    sweep()
    meeting()
    assert Delivery.objects.get(recipient=CONTACT).attempts == 1  # not tried again

    client.force_login(member)
    page = client.get(f"/meetings/{shown['id']}/").content.decode()
    assert "Not every invitation could be delivered." in page
    assert "550 5.1.1 mailbox unavailable" in page
    assert 'data-role="retry"' in page


def test_a_failure_that_might_pass_is_retried_a_bounded_number_of_times(
    meeting: Any, smtp_server: Inbox, settings: Any
) -> None:
    settings.INVITATION_MAX_ATTEMPTS = 3
    settings.EMAIL_PORT = free_port()  # nothing listens: the connection is refused
    shown = meeting()
    assert invitation_to(shown, CONTACT)["status"] == "failed"
    assert shown["state"] == "linked" and shown["next_attempt_at"] is not None

    shown = run_when_due(meeting)
    assert invitation_to(shown, CONTACT)["status"] == "failed"
    shown = run_when_due(meeting)

    given_up = invitation_to(shown, CONTACT)
    assert given_up["status"] == "undeliverable"
    assert given_up["error"].endswith("(gave up after 3 attempts)")
    assert shown["state"] == "invited" and shown["next_attempt_at"] is None
    assert "gave up after 3 attempts" in shown["state_reason"]


def test_a_message_that_cannot_be_built_is_not_retried(
    meeting: Any, smtp_server: Inbox, settings: Any
) -> None:
    # A sender Django refuses as a header: every message fails the same way, every time.
    settings.EMAIL_FROM = "Convener <meetings@example.com>\nBcc: x@evil.example"
    shown = meeting()
    for recipient in (CONTACT, GUEST):
        assert invitation_to(shown, recipient)["status"] == "undeliverable"
        assert "cannot be built" in invitation_to(shown, recipient)["error"]
    assert shown["next_attempt_at"] is None
    assert smtp_server.messages == []


def test_retry_now_tries_a_given_up_invitation_again(
    meeting: Any, smtp_server: Inbox, api: Call
) -> None:
    smtp_server.refused.add(CONTACT)
    shown = meeting()
    smtp_server.refused.clear()  # the mailbox was fixed

    assert api("post", f"/meetings/{shown['id']}/retry").status_code == 200
    shown = meeting()

    assert invitation_to(shown, CONTACT)["status"] == "sent"
    assert (shown["state"], shown["state_reason"]) == ("invited", "")
    assert len(smtp_server.to(CONTACT)) == 1 and len(smtp_server.to(GUEST)) == 1


def test_invitations_that_cannot_be_prepared_are_given_up_after_the_bounded_tries(
    meeting: Any, smtp_server: Inbox, settings: Any, client: Any, member: User
) -> None:
    settings.INVITATION_MAX_ATTEMPTS = 2
    InvitationTemplate.objects.create(
        name="Broken", text_template="{% include 'no-such-template.txt' %}", html_template=""
    )
    shown = meeting()
    assert "invitations not sent yet" in shown["state_reason"]
    shown = run_when_due(meeting)

    assert shown["state"] == "linked" and shown["next_attempt_at"] is None
    assert "(gave up after 2 attempts)" in shown["state_reason"]
    client.force_login(member)
    page = client.get(f"/meetings/{shown['id']}/").content.decode()
    assert "gave up after 2 attempts" in page and 'data-role="retry"' in page
