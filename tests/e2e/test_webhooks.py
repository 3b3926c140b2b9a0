"""Issue 12 (webhooks): an administrator makes an incoming webhook in the browser, gives its
address and secret to a sender, and the sender's signed deliveries reach a real
`convener serve` over HTTP: a valid one makes the meeting, the same signed request again
is refused, a retry signed again finds the same meeting, a wrong signature is refused;
the webhook's page then shows each delivery with its outcome and why.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, run_in_installation
from tests.hooks import senders

pytestmark = pytest.mark.browser


def outcome_of(status_url: str, *, timeout: float = 30.0) -> Any:
    """The delivery's status once the worker has run it, read as the sender reads it."""
    deadline = time.monotonic() + timeout
    while True:
        status = httpx2.get(status_url, timeout=10.0).json()
        if status["state"] != "processing" or time.monotonic() > deadline:
            return status
        time.sleep(0.3)


def post(url: str, body: bytes, headers: dict[str, str]) -> httpx2.Response:
    return httpx2.post(
        url, content=body, headers={"Content-Type": "application/json", **headers}, timeout=30
    )


def test_a_marketing_suite_calls_a_webhook_made_in_the_browser(
    paris_page: Page, server: Server, postgres_database: str | None, shoot: Screenshots
) -> None:
    page = paris_page
    action = f"Webhook demo {secrets.token_hex(3)}"
    run_in_installation(
        server,
        postgres_database,
        "from convener.meetings.models import MeetingAction\n"
        "MeetingAction.objects.create(name=DATA, provider='jitsi', timing={'mode': 'immediate'})",
        action,
    )

    page.locator("summary[aria-label^='Account menu']").click()
    page.get_by_role("link", name="Incoming webhooks").click()
    expect(page.get_by_role("heading", name="Incoming webhooks", level=1)).to_be_visible()
    page.get_by_role("button", name="New webhook").click()
    page.get_by_role("link", name="Generic signature", exact=False).click()
    page.get_by_label("Name").fill("Zapier leads")
    page.get_by_label("Meeting action").select_option(label=action)
    # The generic preset's rows are there already: contact.email → Email, and so on.
    expect(page.locator("[data-mapping-row] input").first).to_have_value("contact.email")
    shoot(page, "webhook-new")
    page.get_by_role("button", name="Create the webhook").click()
    expect(page.get_by_role("heading", name="Webhook created")).to_be_visible()
    shoot(page, "webhook-created")
    url = page.locator("[data-hook-url]").input_value()
    secret = page.locator("[data-hook-secret]").input_value()
    assert url.startswith(server.url + "/hooks/in/")

    payload = {
        "id": "zap-77",
        "contact": {"email": "lea@client.example", "first_name": "Léa", "timezone": "Europe/Paris"},
    }
    body = json.dumps(payload).encode()
    signed_at = datetime.now(UTC)
    signed = senders.generic(secret, body, signed_at)
    first = post(url, body, signed)
    assert first.status_code == 202, first.text
    assert first.json()["state"] == "processing"
    # Stored and answered; the worker makes the meeting, and the status URL tells.
    done = outcome_of(first.json()["status_url"])
    meeting = done["meeting"]
    assert done["state"] == "planned" and isinstance(meeting, int)
    replay = post(url, body, signed)
    # A sender's retry is signed again, so it carries a later timestamp than the first try
    # (the same second would be the same signature, which is a replay).
    retry = post(url, body, senders.generic(secret, body, signed_at + timedelta(seconds=5)))
    forged = post(url, body, senders.generic("guessed", body, datetime.now(UTC)))

    assert replay.status_code == 409
    assert retry.status_code == 202 and retry.json()["meeting"] == meeting
    assert retry.json()["delivery"] == first.json()["delivery"]
    assert retry.json()["repeated"] is True
    assert forged.status_code == 401 and set(forged.json()) == {"detail", "errors"}

    page.get_by_role("button", name="Done: show the webhook").click()
    expect(page.get_by_role("heading", name="Zapier leads", level=1)).to_be_visible()
    rows = page.locator("table.hook-deliveries tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(3)).to_contain_text("Meeting planned")
    expect(rows.nth(2)).to_contain_text("Replay refused")
    expect(rows.nth(1)).to_contain_text("Already done")
    expect(rows.nth(0)).to_contain_text("Signature refused")
    expect(rows.nth(0)).to_contain_text("does not match")
    shoot(page, "webhook-log")
    rows.nth(3).get_by_role("link").click()
    expect(page).to_have_url(f"{server.url}/meetings/{meeting}/")

    page.go_back()
    page.get_by_text("Try a sample payload").click()
    page.get_by_label("Sample payload (JSON)").fill('{"contact": {"email": "nope"}}')
    page.get_by_role("button", name="Show what it would do").click()
    expect(page.locator("[data-try-result]")).to_contain_text("would be refused")
    expect(page.locator("[data-try-result]")).to_contain_text("contact.email")
    shoot(page, "webhook-try")
