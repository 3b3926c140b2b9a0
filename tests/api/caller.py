"""Calling the API as a client does, and reading its refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Call = Callable[..., Any]


def api_caller(client: Any, token: str) -> Call:
    """`call(method, path, body=None)`: a JSON request under /api/v1 with the bearer token."""

    def call(method: str, path: str, body: Any = None) -> Any:
        return getattr(client, method)(
            f"/api/v1{path}",
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


def refusal(response: Any, status: int = 422) -> dict[str, str]:
    """The refused fields of an error answer, with their messages."""
    assert response.status_code == status, response.content
    return {e["field"]: e["message"] for e in response.json()["errors"]}
