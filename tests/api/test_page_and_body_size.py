"""A page of a list and a request body have a size limit, and going over it gets the
API's JSON error, never Django's HTML page."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from convener.crm.models import Contact
from convener.team.models import User
from tests.api.caller import Call, api_caller, refusal

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client: Any, api_token: str) -> Call:
    return api_caller(client, api_token)


@pytest.mark.parametrize("path", ["/contacts", "/meetings"])
def test_a_page_of_more_than_200_is_refused_naming_the_limit(api: Any, path: str) -> None:
    assert "200" in refusal(api("get", f"{path}?limit=201"))["limit"]
    assert api("get", f"{path}?limit=200").status_code == 200


def test_a_page_builds_only_its_own_rows_and_counts_them_all(api: Any, member: User) -> None:
    from convener.api import contacts

    Contact.objects.bulk_create(Contact(email=f"p{n}@example.org") for n in range(5))
    with mock.patch.object(contacts, "contact_out", wraps=contacts.contact_out) as built:
        page = api("get", "/contacts?limit=2&offset=3").json()
    assert built.call_count == 2
    assert page["count"] == 5
    assert [c["email"] for c in page["items"]] == ["p3@example.org", "p4@example.org"]


def test_a_body_over_the_upload_limit_gets_a_json_413_naming_the_body(
    api: Any, contact: Contact, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api(
        "post",
        "/meetings",
        {"contact_ids": [contact.pk], "title": "Demo", "description": "x" * 2000},
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    error = response.json()
    assert error["errors"][0]["field"] == "body"
    assert "1,000 bytes" in error["errors"][0]["message"]


def test_an_offset_past_any_table_gives_an_empty_page_not_an_error(
    client: Any, api_token: str, contact: Contact
) -> None:
    for path in ("/api/v1/contacts", "/api/v1/meetings"):
        response = client.get(
            f"{path}?offset={2**70}&limit=100",
            headers={"Authorization": f"Bearer {api_token}"},
        )
        assert response.status_code == 200, response.content
        assert response.json()["items"] == []
