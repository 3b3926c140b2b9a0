"""Fixtures of the scale tests: worker processes that are always stopped, whatever the
test's outcome, and a quiet SMTP log. The fakes are the suite's (tests/conftest.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.scale.support import Workers


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Workers]]:
    """Makes a pool of `convener worker` processes; every one is stopped at the end."""
    pools: list[Workers] = []

    def make(env: dict[str, str]) -> Workers:
        log_dir = tmp_path / f"workers-{len(pools)}"
        log_dir.mkdir()
        pool = Workers(env=env, log_dir=log_dir)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.stop()


@pytest.fixture(autouse=True)
def quiet_smtp_log() -> Iterator[None]:
    """aiosmtpd logs every SMTP command at INFO: thousands of lines that cost the test
    process time it needs for the fakes."""
    log = logging.getLogger("mail.log")
    level = log.level
    log.setLevel(logging.WARNING)
    yield
    log.setLevel(level)
