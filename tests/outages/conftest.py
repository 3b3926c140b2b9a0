"""Fixtures of the outage tests: each provider's fake, and the member's account at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from convener.team.models import User
from fakeproviders.harness import FakeServer
from tests.conftest import point_settings_at
from tests.outages.support import PROVIDERS, Account

FIXTURES = {"zoom": "zoom", "google_meet": "google", "microsoft_teams": "microsoft"}


@pytest.fixture
def microsoft(settings: Any) -> Iterator[FakeServer]:
    """The fake Microsoft Graph and identity platform, with Convener pointing at it."""
    from fakeproviders.microsoft import FakeMicrosoft

    with FakeServer(FakeMicrosoft()) as server:
        point_settings_at(settings, server)
        yield server


@pytest.fixture(params=PROVIDERS)
def account(request: pytest.FixtureRequest, client: Any, member: User) -> Account:
    """The member's account at one provider's fake, connected through its consent page."""
    provider = str(request.param)
    server = request.getfixturevalue(FIXTURES[provider])
    connected = Account(provider, server, client, member)
    connected.connect()
    return connected
