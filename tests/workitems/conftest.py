"""Each provider's fake, by the provider's slug, and the people of a job."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from convener.team.models import User
from tests.conftest import point_settings_at


@pytest.fixture
def resource(db: Any) -> User:
    return User.objects.create_user(
        "rita", "rita@example.com", "x", first_name="Rita", timezone="Europe/Berlin"
    )


@pytest.fixture
def admin(db: Any) -> User:
    return User.objects.create_superuser("root", "root@example.com", "x")


FAKES = {
    "zoom": "fakeproviders.zoom:FakeZoom",
    "google_meet": "fakeproviders.google:FakeGoogle",
    "microsoft_teams": "fakeproviders.microsoft:FakeMicrosoft",
}


@pytest.fixture(params=["zoom", "google_meet", "microsoft_teams", "jitsi"])
def provider(request: Any, settings: Any) -> Iterator[str]:
    """A provider slug, with its fake running and Convener pointed at it."""
    import importlib

    from fakeproviders.harness import FakeServer

    slug: str = request.param
    if slug not in FAKES:
        yield slug
        return
    module, name = FAKES[slug].split(":")
    with FakeServer(getattr(importlib.import_module(module), name)()) as server:
        point_settings_at(settings, server)
        yield slug
