"""Title and description templates: placeholders only, checked when an action is saved,
rendered before the meetings are written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from convener.crm.models import Contact, CustomField
from convener.meetings.models import Meeting, MeetingAction
from convener.meetings.triggers import TriggerKind, TriggerRef
from convener.scheduling import placeholders
from convener.scheduling.request import ScheduleRequest
from convener.scheduling.schedule import schedule
from convener.team.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_post: Callable[[str, Any], Any]) -> Any:
    return api_post


def test_placeholders_are_replaced_and_everything_else_is_text() -> None:
    parts = placeholders.parse("Hi {{contact.first_name}}, {{ 'x' }} {b} {% if %} {{ x|upper }}!")
    values = {"contact.first_name": "Bob", "x": "never"}
    assert placeholders.render(parts, values) == "Hi Bob, x {b} {% if %} !"


def test_a_literal_renders_exactly_what_was_typed() -> None:
    for text in ["{{ contact.name }}", "a{{{b}}}", "{% lorem %}", "{'{'}", "}}{{"]:
        rendered = placeholders.render(placeholders.parse(placeholders.literal(text)), {})
        assert rendered == text


def test_a_template_stored_with_the_old_escape_still_renders_its_text() -> None:
    # One-off meetings stored what was typed with every { written as {{ '{' }}.
    stored = "Budget {{ '{' }}Q1}"
    assert placeholders.render(placeholders.parse(stored), {}) == "Budget {Q1}"


@pytest.mark.parametrize(
    ("field", "template", "named"),
    [
        ("title_template", '{% include "web/base.html" %}', "{% include"),
        ("title_template", "{% load static %}x", "{% load static %}"),
        ("description_template", "{% lorem 99999 w %}", "{% lorem"),
        ("title_template", "Hi {{ contact.nickname }}", "{{ contact.nickname }}"),
        ("title_template", "Hi {{ contact.name|upper }}", "{{ contact.name|upper }}"),
        ("description_template", "{{ contact.fields.missing }}", "{{ contact.fields.missing }}"),
        ("description_template", "{{ contact.owner.password }}", "{{ contact.owner.password }}"),
    ],
)
def test_saving_an_action_with_anything_but_known_placeholders_names_it(
    api: Any, field: str, template: str, named: str
) -> None:
    response = api("/actions", {"name": "x", field: template})
    assert response.status_code == 422, response.content
    (error,) = response.json()["errors"]
    assert error["field"] == field
    assert named in error["message"]
    assert MeetingAction.objects.count() == 0


def test_every_documented_placeholder_is_filled_in(
    api: Any, member: User, contact: Contact
) -> None:
    CustomField.objects.create(key="plan", label="Plan")
    contact.company, contact.fields = "Acme", {"plan": "Gold"}
    contact.save()
    action = api(
        "/actions",
        {
            "name": "Intro",
            "credentials": "contact_owner",
            "title_template": "{{ contact.first_name }} {{contact.last_name}} of "
            "{{ contact.company }} on {{ provider.name }}",
            "description_template": "{{ contact.name }} <{{ contact.email }}>, "
            "{{ contact.fields.plan }}; owner {{ owner.name }} <{{ owner.email }}>, "
            "host {{ host.name }} <{{ host.email }}>",
        },
    ).json()
    response = api(f"/actions/{action['id']}/schedule", {"contact_ids": [contact.pk]})
    assert response.status_code == 201, response.content
    meeting = Meeting.objects.get()
    assert meeting.title == "Bob Stone of Acme on Jitsi Meet"
    assert meeting.description == (
        "Bob Stone <bob@example.org>, Gold; owner Ann Lee <ann@example.com>, "
        "host Ann Lee <ann@example.com>"
    )


def test_an_action_stored_with_an_old_template_of_variables_keeps_working(
    member: User, contact: Contact
) -> None:
    action = MeetingAction.objects.create(
        name="Old",
        title_template="Intro call with {{ contact.name }}",
        description_template="Hello {{contact.first_name}}, this is {{ host.name }}."
        " {% lorem 99999 w random %}",
    )
    schedule(
        ScheduleRequest(
            action=action,
            contact_ids=[contact.pk],
            trigger=TriggerRef(TriggerKind.BULK, str(action.pk)),
        )
    )
    meeting = Meeting.objects.get()
    assert meeting.title == "Intro call with Bob Stone"
    assert meeting.description == "Hello Bob, this is Ann Lee. {% lorem 99999 w random %}"


def test_titles_are_rendered_before_the_write_transaction_begins(
    member: User, contact: Contact, monkeypatch: pytest.MonkeyPatch
) -> None:
    Contact.objects.create(email="eve@example.org", first_name="Eve", owner=member)
    action = MeetingAction.objects.create(name="Intro", title_template="Hi {{ contact.name }}")
    outside = len(connection.atomic_blocks)
    depths: list[int] = []
    real = placeholders.render

    def render(parts: Any, values: Any) -> str:
        depths.append(len(connection.atomic_blocks))
        return real(parts, values)

    monkeypatch.setattr(placeholders, "render", render)
    ids = list(Contact.objects.values_list("pk", flat=True))
    schedule(
        ScheduleRequest(
            action=action, contact_ids=ids, trigger=TriggerRef(TriggerKind.BULK, str(action.pk))
        )
    )
    assert depths and set(depths) == {outside}
    assert sorted(Meeting.objects.values_list("title", flat=True)) == ["Hi Bob Stone", "Hi Eve"]
