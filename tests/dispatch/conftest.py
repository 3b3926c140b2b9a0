"""A worker's dispatcher, running for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from convener.dispatch.dispatcher import Dispatcher


@pytest.fixture
def worker() -> Iterator[Dispatcher]:
    dispatcher = Dispatcher(pool_size=2, lane_concurrency=4, poll_seconds=0.05, in_flight=64)
    dispatcher.start()
    yield dispatcher
    dispatcher.stop()
