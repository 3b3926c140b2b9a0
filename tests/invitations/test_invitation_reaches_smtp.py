"""An invitation scheduled through the API reaches a real SMTP server as a calendar invite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any, cast

import pytest
from icalendar import Calendar, vCalAddress, vInt

from convener.crm.models import Contact
from tests.conftest import Inbox, mail_text
from tests.dates import at, utc, winter_day

DAY = winter_day()

pytestmark = pytest.mark.django_db


def schedule(client: Any, token: str, body: dict[str, Any], capture: Any) -> Any:
    with capture(execute=True):
        return client.post(
            "/api/v1/meetings",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )


def calendar_part(message: Any) -> tuple[Any, Calendar]:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part, Calendar.from_ical(part.get_content())
    raise AssertionError("the email has no text/calendar part")


def test_the_contact_receives_an_ics_request_with_the_link_and_the_zone(
    client: Any,
    api_token: str,
    contact: Contact,
    smtp_server: Inbox,
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    response = schedule(
        client,
        api_token,
        {
            "contact_ids": [contact.pk],
            "title": "Product demo",
            "start": at(DAY, 10),
            "timezone": "Europe/Berlin",
            "duration_minutes": 45,
            "attendees": ["carol@partner.example"],
        },
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 201, response.content
    meeting = response.json()["meetings"][0]
    assert meeting["start"].startswith(
        f"{DAY.isoformat()}T09:00:00"
    )  # 10:00 in Berlin is 09:00 UTC

    assert worker() >= 1

    messages = smtp_server.to("bob@example.org")
    assert len(messages) == 1
    message = messages[0]
    assert (
        message["Subject"] == f"Invitation: Product demo @ Tue {DAY.day} Dec {DAY.year} 04:00 (EST)"
    )
    assert message["Reply-To"] == "ann@example.com"
    part, calendar = calendar_part(message)
    assert part.get_param("method") == "REQUEST"
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"{meeting['uid']}@convener"
    assert int(cast(vInt, event["SEQUENCE"])) == 0
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert (start.hour, start.minute) == (10, 0)
    assert start.astimezone(UTC) == utc(DAY, 9, 0)
    assert event.decoded("DTEND").astimezone(UTC) == utc(DAY, 9, 45)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    link = str(event["LOCATION"])
    assert link.startswith("https://meet.jit.si/Convener") and len(link) > 50
    assert link in str(event["DESCRIPTION"])
    assert str(event["CONFERENCE"]) == link
    assert str(event["ORGANIZER"]) == "mailto:ann@example.com"
    attendees = {str(a): a.params for a in cast("list[vCalAddress]", event["ATTENDEE"])}
    assert set(attendees) == {"mailto:bob@example.org", "mailto:carol@partner.example"}
    assert all(params["RSVP"] == "TRUE" for params in attendees.values())
    assert link in mail_text(message)

    # The same invitation, with the same UID, went to the extra attendee.
    (carol,) = smtp_server.to("carol@partner.example")
    assert str(calendar_part(carol)[1].walk("VEVENT")[0]["UID"]) == str(event["UID"])


def test_a_second_worker_run_sends_nothing_twice(
    client: Any,
    api_token: str,
    contact: Contact,
    smtp_server: Inbox,
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from convener.dispatch.sweeper import sweep

    schedule(
        client,
        api_token,
        {"contact_ids": [contact.pk], "title": "Call"},
        django_capture_on_commit_callbacks,
    )
    worker()
    sweep()
    worker()
    assert len(smtp_server.to("bob@example.org")) == 1


def test_with_invitations_off_no_mail_is_sent_but_the_link_is_made(
    client: Any,
    api_token: str,
    contact: Contact,
    smtp_server: Inbox,
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    response = schedule(
        client,
        api_token,
        {"contact_ids": [contact.pk], "title": "Quiet", "send_invitations": False},
        django_capture_on_commit_callbacks,
    )
    worker()
    got = client.get(
        f"/api/v1/meetings/{response.json()['meetings'][0]['id']}",
        headers={"Authorization": f"Bearer {api_token}"},
    ).json()
    assert got["state"] == "linked"
    assert got["join_url"].startswith("https://meet.jit.si/")
    assert smtp_server.messages == []


def test_an_administrators_template_shapes_the_email(
    client: Any,
    api_token: str,
    contact: Contact,
    smtp_server: Inbox,
    worker: Callable[[], int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from convener.meetings.models import InvitationTemplate

    InvitationTemplate.objects.create(
        name="Acme",
        logo_url="https://acme.example/logo.png",
        text_template="Hi {{ recipient_name }}! {{ when }}. Join {{ join_url }} "
        "(code {{ passcode }}). Acme Sales",
        html_template='<img src="{{ logo_url }}"><p>Hi {{ recipient_name }}, {{ when }}</p>',
    )
    schedule(
        client,
        api_token,
        {
            "contact_ids": [contact.pk],
            "title": "Pricing",
            "start": at(DAY, 10),
            "timezone": "Europe/Berlin",
            "passcode": "4711",
        },
        django_capture_on_commit_callbacks,
    )
    worker()
    (message,) = smtp_server.to("bob@example.org")
    text = mail_text(message)
    assert text.startswith(
        f"Hi Bob Stone! Tuesday {DAY.day} December {DAY.year}, 04:00"
    )  # New York time
    assert "(code 4711). Acme Sales" in text
    html = mail_text(message, "html")
    assert 'src="https://acme.example/logo.png"' in html
