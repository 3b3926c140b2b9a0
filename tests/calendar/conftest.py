"""Each video provider's fake by its slug, and the people of an event."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import point_settings_at

FAKES = {
    "zoom": "fakeproviders.zoom:FakeZoom",
    "google_meet": "fakeproviders.google:FakeGoogle",
    "microsoft_teams": "fakeproviders.microsoft:FakeMicrosoft",
}


@contextmanager
def running(slug: str, settings: Any) -> Iterator[FakeServer]:
    """The fake of the provider `slug` over HTTP on 127.0.0.1, Convener pointed at it."""
    module, name = FAKES[slug].split(":")
    with FakeServer(getattr(importlib.import_module(module), name)()) as server:
        point_settings_at(settings, server)
        yield server


@pytest.fixture
def colleague(db: Any) -> User:
    return User.objects.create_user(
        "ana", "ana@example.com", "x", first_name="Ana", last_name="Pérez", timezone="UTC"
    )


@pytest.fixture(params=["zoom", "google_meet", "microsoft_teams", "jitsi"])
def provider(request: Any, settings: Any) -> Iterator[str]:
    """A video provider's slug, with its fake running and Convener pointed at it."""
    slug: str = request.param
    if slug not in FAKES:
        yield slug
        return
    with running(slug, settings):
        yield slug
