"""POST /plans/preview takes a SPEC of up to CONVENER_PLAN_PREVIEW_MAX_MB megabytes (10 by
default), more than the 2.5 MB of every other operation; one byte more is a JSON 413
naming the limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

MB = 2**20
SPEC = {
    "now": "2026-11-21T09:00:00Z",
    "duration_minutes": 30,
    "timing": {"mode": "fixed", "at": "2026-12-01T10:00", "timezone": "Europe/Berlin"},
    "recipients": [{"id": "c1", "host": "u1"}],
}


def body_of(size: int) -> bytes:
    """The SPEC as exactly `size` bytes of JSON (spaces after it are JSON too)."""
    text = json.dumps(SPEC).encode()
    return text + b" " * (size - len(text))


def preview(client: Any, token: str, body: bytes) -> Any:
    return client.post(
        "/api/v1/plans/preview",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_spec_of_exactly_the_limit_is_planned(client: Any, api_token: str) -> None:
    response = preview(client, api_token, body_of(10 * MB))

    assert response.status_code == 200, response.content
    assert response.json()["meetings"][0]["local_start"] == "2026-12-01T10:00:00+01:00"


def test_one_byte_over_the_limit_is_a_json_413_naming_it(client: Any, api_token: str) -> None:
    response = preview(client, api_token, body_of(10 * MB + 1))

    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    error = response.json()
    assert error["detail"] == "the request is too large"
    assert error["errors"] == [
        {
            "field": "body",
            "message": "the SPEC is larger than 10 MB (10,485,760 bytes), the most POST "
            "/plans/preview takes (CONVENER_PLAN_PREVIEW_MAX_MB); plan larger ones with "
            "`convener plan`",
        }
    ]


def test_the_limit_is_the_setting(client: Any, api_token: str) -> None:
    with override_settings(PLAN_PREVIEW_MAX_BYTES=3 * MB):
        under = preview(client, api_token, body_of(3 * MB))
        over = preview(client, api_token, body_of(3 * MB + 1))

    assert under.status_code == 200
    assert over.status_code == 413
    assert "larger than 3 MB (3,145,728 bytes)" in over.json()["errors"][0]["message"]


def test_other_operations_keep_the_smaller_limit(client: Any, api_token: str) -> None:
    body = json.dumps({"email": "big@example.org", "first_name": "x" * (3 * MB)})
    response = client.post(
        "/api/v1/contacts",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_token}"},
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["message"].startswith(
        "the request body is larger than 2,621,440 bytes"
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b'{"now": ', 400, "body"),
        (b"[1, 2]", 400, "body"),
        (b'{"recipients": [{"id": "a\\u0000"}]}', 422, "recipients.0.id"),
        (json.dumps({**SPEC, "duration_minutes": 0}).encode(), 422, "duration_minutes"),
    ],
)
def test_a_body_that_cannot_be_read_is_named_as_before(
    client: Any, api_token: str, body: bytes, status: int, field: str
) -> None:
    response = preview(client, api_token, body)

    assert response.status_code == status, response.content
    assert response.json()["errors"][0]["field"] == field


def test_the_api_documents_the_limit(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/plans/preview"]["post"]

    assert "CONVENER_PLAN_PREVIEW_MAX_MB" in operation["requestBody"]["description"]
    assert "CONVENER_PLAN_PREVIEW_MAX_MB" in operation["responses"]["413"]["description"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
