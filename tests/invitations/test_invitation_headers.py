"""Names and titles that never went through the input checks (saved before them, or
rendered from a template) are flattened to one line before they reach a header: the
invitation goes out, to its recipient only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from convener.crm.models import Contact
from convener.team.models import User
from tests.conftest import Inbox

pytestmark = pytest.mark.django_db


def test_a_stored_name_with_a_line_break_cannot_inject_a_header(
    client: Any,
    api_token: str,
    member: User,
    smtp_server: Inbox,
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Saved directly, as rows written before names were checked are.
    contact = Contact.objects.create(
        email="bob@example.org", first_name="Bob\r\nBcc: spy@evil.example", owner=member
    )
    auth = {"Authorization": f"Bearer {api_token}"}
    action = client.post(
        "/api/v1/actions", {"name": "Intro"}, content_type="application/json", headers=auth
    ).json()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/v1/actions/{action['id']}/schedule",
            {"contact_ids": [contact.pk]},
            content_type="application/json",
            headers=auth,
        )
    worker()

    assert [rcpts for _, rcpts in smtp_server.envelopes] == [["bob@example.org"]]
    (message,) = smtp_server.messages
    assert message["Bcc"] is None
    assert message["Subject"].startswith("Invitation: Meeting with Bob Bcc: spy@evil.example @")
    assert message["To"] == '"Bob Bcc: spy@evil.example" <bob@example.org>'
