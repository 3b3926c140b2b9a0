"""Driving a provider's consent page the way a person's browser would, without a browser."""

from __future__ import annotations

import os
import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import httpx2
from django.db import connection


def consent(authorize_url: str, email: str, decision: str = "allow") -> str:
    """Open the fake's consent page, sign in as `email`, press Allow; returns the URL the
    provider sends the browser back to."""
    page = httpx2.get(authorize_url)
    assert page.status_code == 200, page.text
    form = page.text
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', form).group(1))  # type: ignore[union-attr]
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    }
    fields.update(email=email, decision=decision)
    base = f"{urlsplit(authorize_url).scheme}://{urlsplit(authorize_url).netloc}"
    answer = httpx2.post(base + action if action.startswith("/") else action, data=fields)
    assert answer.status_code in (302, 303), answer.text
    return str(answer.headers["location"])


def connect_through_oauth(client: Any, slug: str, email: str, level: str = "user") -> Any:
    """Press Connect in Convener, consent at the fake, follow the redirect back."""
    started = client.post(f"/connections/{slug}/connect/", {"level": level})
    assert started.status_code == 302, started.content
    back = urlsplit(consent(started.url, email))
    return client.get(f"{back.path}?{back.query}")


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess that must see this test's database."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    env["CONVENER_TEST_DATABASE_NAME"] = str(connection.settings_dict["NAME"])
    env.update(extra)
    return env
