"""The API docs page renders every operation with no network but Convener's own origin."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, new_context

pytestmark = pytest.mark.browser


def test_the_api_docs_render_the_operations_offline(browser: Any, server: Server) -> None:
    context = new_context(browser, server)
    elsewhere: list[str] = []

    def only_our_origin(route: Any) -> None:
        url = route.request.url
        if url.startswith(server.url + "/"):
            route.continue_()
        else:
            elsewhere.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", only_our_origin)
    try:
        page = context.new_page()
        page.goto("/api/v1/docs")
        operations = page.locator(".opblock-summary-path")
        expect(operations.first).to_be_visible()
        paths = set(operations.all_inner_texts())
        assert {"/api/v1/contacts", "/api/v1/meetings/{meeting_id}"} <= {
            p.replace("\u200b", "").strip() for p in paths
        }
        assert elsewhere == []
    finally:
        context.close()
