"""Input that used to answer 500: each now gets a 4xx in the error shape, naming the field,
and nothing is saved half-way."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from convener.crm.models import Contact
from convener.meetings.models import Meeting, MeetingAction
from convener.team.models import User
from tests.access.support import grant

pytestmark = pytest.mark.django_db

TOO_BIG_ID = 2**63


@pytest.fixture
def call(client: Any, api_token: str) -> Any:
    def go(method: str, path: str, body: Any = None, raw: str | None = None) -> Any:
        kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {api_token}"}}
        if body is not None or raw is not None:
            kwargs["data"] = raw if raw is not None else json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    return go


def error_fields(response: Any, status: int = 422) -> list[str]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"}
    return [e["field"] for e in body["errors"]]


def contact_unchanged(contact: Contact) -> None:
    before = (contact.first_name, contact.last_name, contact.company, contact.timezone)
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.company, contact.timezone) == before
    assert contact.fields == {}


@pytest.mark.parametrize("name", ["first_name", "last_name", "company", "timezone", "fields"])
def test_null_for_a_contact_field_is_refused_naming_it(
    call: Any, contact: Contact, name: str
) -> None:
    other = "last_name" if name == "first_name" else "first_name"
    response = call("patch", f"/contacts/{contact.pk}", {name: None, other: "Rob"})
    assert name in error_fields(response)
    contact_unchanged(contact)


def test_null_for_the_owner_still_means_no_owner(call: Any, contact: Contact, member: User) -> None:
    grant(member, "team.edit_others_contacts")  # what giving a contact to nobody takes
    response = call("patch", f"/contacts/{contact.pk}", {"owner": None})
    assert response.status_code == 200, response.content
    contact.refresh_from_db()
    assert contact.owner is None


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/meetings", {"contact_ids": [TOO_BIG_ID], "title": "Demo"}),
        ("/actions/1/preview", {"contact_ids": [TOO_BIG_ID]}),
        ("/actions/1/schedule", {"contact_ids": [TOO_BIG_ID]}),
    ],
)
def test_a_contact_id_beyond_64_bits_is_refused_naming_contact_ids(
    call: Any, contact: Contact, path: str, body: Any
) -> None:
    MeetingAction.objects.create(pk=1, name="Intro")
    assert error_fields(call("post", path, body)) == ["contact_ids.0"]
    assert Meeting.objects.count() == 0


def test_a_contact_id_filter_beyond_64_bits_is_refused(call: Any) -> None:
    assert error_fields(call("get", f"/meetings?contact_id={TOO_BIG_ID}")) == ["contact_id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/meetings/{id}"),
        ("patch", "/meetings/{id}"),
        ("post", "/meetings/{id}/cancel"),
        ("get", "/contacts/{id}"),
        ("patch", "/contacts/{id}"),
        ("get", "/actions/{id}"),
    ],
)
def test_a_path_id_beyond_64_bits_is_refused_naming_it(call: Any, method: str, path: str) -> None:
    body: dict[str, Any] | None = None if method == "get" else {}
    fields = error_fields(call(method, path.replace("{id}", str(TOO_BIG_ID)), body))
    assert fields[0].endswith("_id")


def test_an_id_that_finds_nothing_is_a_404_naming_the_path_parameter(call: Any) -> None:
    assert error_fields(call("get", "/meetings/424242"), 404) == ["meeting_id"]


@pytest.mark.parametrize("zone", ["America", "Europe", "Europe/", "A" * 256, "localtime"])
def test_a_zone_that_is_a_folder_or_overlong_is_refused_naming_timezone(
    call: Any, contact: Contact, zone: str
) -> None:
    assert set(error_fields(call("patch", f"/contacts/{contact.pk}", {"timezone": zone}))) == {
        "timezone"
    }
    assert error_fields(call("post", "/actions", {"name": "x", "timezone": zone})) == ["timezone"]
    response = call(
        "post", "/meetings", {"contact_ids": [contact.pk], "title": "Demo", "timezone": zone}
    )
    assert error_fields(response) == ["timezone"]
    contact_unchanged(contact)
    assert Meeting.objects.count() == 0


def test_a_folder_zone_reported_by_a_browser_is_passed_over(call: Any, contact: Contact) -> None:
    action = MeetingAction.objects.create(name="Intro")
    response = call(
        "post",
        f"/actions/{action.pk}/schedule",
        {"contact_ids": [contact.pk], "browser_timezone": "America"},
    )
    assert response.status_code == 201, response.content
    assert Meeting.objects.get().timezone == "America/New_York"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"email": "z@example.org", "first_name": "a\\ud800b"}', "first_name"),
        ('{"email": "z@example.org", "company": "a\\u0000b"}', "company"),
        ('{"email": "z@example.org", "fields": {"x\\udfff": 1}}', "fields"),
        ('{"email": "z@example.org", "fields": {"notes": ["ok", "\\ud800"]}}', "fields.notes.1"),
    ],
)
def test_text_the_database_cannot_store_is_refused_naming_the_field(
    call: Any, raw: str, field: str
) -> None:
    assert error_fields(call("post", "/contacts", raw=raw)) == [field]
    assert Contact.objects.count() == 0


def test_a_lone_surrogate_in_a_patch_leaves_the_contact_as_it_was(
    call: Any, contact: Contact
) -> None:
    raw = '{"first_name": "a\\ud800b", "last_name": "Rob"}'
    assert error_fields(call("patch", f"/contacts/{contact.pk}", raw=raw)) == ["first_name"]
    contact_unchanged(contact)


def test_a_nul_in_a_query_string_is_refused_naming_the_parameter(call: Any) -> None:
    assert error_fields(call("get", "/contacts?q=a%00b")) == ["q"]


def test_nan_is_not_json(call: Any) -> None:
    response = call("post", "/contacts", raw='{"email": "z@example.org", "fields": {"n": NaN}}')
    assert error_fields(response, 400) == ["body"]


def test_a_malformed_body_says_why(call: Any) -> None:
    response = call("post", "/contacts", raw='{"email": ')
    assert error_fields(response, 400) == ["body"]
    assert "not valid JSON" in response.json()["errors"][0]["message"]


def test_an_unknown_path_under_the_api_answers_json_404(call: Any) -> None:
    assert error_fields(call("get", "/no/such/thing"), 404) == ["path"]


def test_a_method_the_path_does_not_take_answers_json_405_with_allow(call: Any) -> None:
    response = call("delete", "/contacts")
    assert error_fields(response, 405) == ["method"]
    assert "GET" in response["Allow"]


def test_an_unexpected_error_answers_json_500_without_details_and_is_logged(
    call: Any, contact: Contact, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(contact: Contact) -> Any:
        raise RuntimeError("secret-token-123")

    monkeypatch.setattr("convener.api.contacts.contact_out", broken)
    with caplog.at_level(logging.ERROR, logger="convener.api.errors"):
        response = call("get", f"/contacts/{contact.pk}")
    assert error_fields(response, 500) == []
    assert b"secret-token-123" not in response.content
    assert b"Traceback" not in response.content
    assert "secret-token-123" in caplog.text


def test_the_openapi_document_lists_the_error_answers_of_each_operation(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorOut"}
    patch = schema["paths"]["/api/v1/meetings/{meeting_id}"]["patch"]["responses"]
    for status in ("400", "401", "403", "404", "409", "413", "422"):
        assert patch[status]["content"]["application/json"]["schema"] == error, status
    listing = schema["paths"]["/api/v1/meetings"]["get"]["responses"]
    assert {"401", "403", "422"} <= set(listing) and "404" not in listing


@pytest.mark.parametrize("launch", [{"contact_ids": ["{id}"]}, {"all_contacts": True}])
def test_a_launch_for_one_contact_no_account_can_host_is_refused_naming_the_contacts(
    call: Any, contact: Contact, launch: dict[str, Any]
) -> None:
    action = MeetingAction.objects.create(name="Zoom intro", provider="zoom")
    body = json.loads(json.dumps(launch).replace('"{id}"', str(contact.pk)))
    preview = call("post", f"/actions/{action.pk}/preview", body).json()
    assert (preview["planned"], preview["skipped"]) == (0, 1)
    response = call("post", f"/actions/{action.pk}/schedule", body)
    (field,) = error_fields(response)
    assert field == next(iter(launch))
    assert "Zoom" in response.json()["errors"][0]["message"]
    assert Meeting.objects.count() == 0


def test_a_body_that_is_not_an_object_is_refused_not_read_as_empty(
    call: Any, contact: Contact
) -> None:
    response = call("patch", f"/contacts/{contact.pk}", raw="[]")
    assert error_fields(response, 400) == ["body"]
    assert "object" in response.json()["errors"][0]["message"]


LONG_EMAIL = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"  # valid, but 312 characters


def test_an_attendee_email_longer_than_the_column_is_refused_naming_the_field(
    call: Any, contact: Contact
) -> None:
    body = {"contact_ids": [contact.pk], "title": "Demo", "attendees": [LONG_EMAIL]}
    assert error_fields(call("post", "/meetings", body)) == ["attendees"]
    body = {"name": "Intro", "external_emails": [LONG_EMAIL]}
    assert error_fields(call("post", "/actions", body)) == ["external_emails"]
    assert Meeting.objects.count() == 0
    assert MeetingAction.objects.count() == 0


def test_a_body_over_the_upload_limit_answers_413_in_the_error_shape(
    call: Any, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = call("post", "/contacts", {"email": "z@example.org", "company": "x" * 200})
    assert error_fields(response, 413) == ["body"]
    assert Contact.objects.count() == 0


def test_a_plain_error_from_another_layer_gets_the_error_shape() -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory

    from convener.api.errors import ErrorShapeMiddleware

    def refuse(request: Any) -> HttpResponse:
        response = HttpResponse("Request Entity Too Large", status=413, content_type="text/plain")
        response["Retry-After"] = "5"
        return response

    shaped = ErrorShapeMiddleware(refuse)(RequestFactory().post("/api/v1/contacts"))
    assert (shaped.status_code, shaped["Retry-After"]) == (413, "5")
    assert json.loads(shaped.content) == {"detail": "request entity too large", "errors": []}
    elsewhere = ErrorShapeMiddleware(refuse)(RequestFactory().post("/contacts/new/"))
    assert elsewhere["Content-Type"].startswith("text/plain")
