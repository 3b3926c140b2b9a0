"""The planner behind the API: the same documents as `convener plan`."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def preview(client: Any, token: str, spec: Any) -> Any:
    return client.post(
        "/api/v1/plans/preview",
        spec,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_the_preview_plans_the_seeds_smart_example(client: Any, api_token: str) -> None:
    spec = {
        "now": "2026-11-21T09:00:00Z",
        "duration_minutes": 30,
        "timing": {
            "mode": "smart",
            "start": "2026-12-01T10:00",
            "gap_minutes": 10,
            "window": {"from": "10:00", "to": "18:00"},
            "timezone": "Europe/Berlin",
        },
        "recipients": [{"id": f"c{n}", "host": "u1"} for n in range(3)],
    }
    response = preview(client, api_token, spec)
    assert response.status_code == 200, response.content
    starts = [m["local_start"][11:16] for m in response.json()["meetings"]]
    assert starts == ["10:00", "10:40", "11:20"]


def test_a_malformed_spec_is_a_422_naming_the_key(client: Any, api_token: str) -> None:
    spec = {
        "duration_minutes": 30,
        "timing": {"mode": "smart", "window": {"from": "25:00"}},
        "recipients": [],
    }
    response = preview(client, api_token, spec)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("timing")
