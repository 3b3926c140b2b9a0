"""Fixtures of the booking tests: the Microsoft fake (Google's is in tests/conftest.py), and
a cache emptied for each test, so busy times read by one test are never another's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from fakeproviders.harness import FakeServer
from tests.conftest import point_settings_at


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def microsoft(settings: Any) -> Iterator[FakeServer]:
    """The fake Microsoft Graph and identity platform, with Convener pointing at it."""
    from fakeproviders.microsoft import FakeMicrosoft

    with FakeServer(FakeMicrosoft()) as server:
        point_settings_at(settings, server)
        yield server
