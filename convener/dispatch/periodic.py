"""Loops that packages above dispatch run inside `convener worker`.

dispatch cannot import the packages above it (campaigns, ...), so they register a loop
here from their AppConfig.ready; the worker starts each on its own thread and stops them
with the same event it stops everything else with. A loop must return soon after `stop`
is set, keep its waits as database due times, and catch its own failures.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections

log = logging.getLogger(__name__)

Loop = Callable[[threading.Event], None]

_loops: dict[str, Loop] = {}


def register(name: str, loop: Loop) -> None:
    _loops[name] = loop


def repeating(work: Callable[[], object], every: float, what: str) -> Loop:
    """A loop that does `work` every `every` seconds until stopped. A failed round is
    logged and the next one tries again: the worker must not stop for it."""

    def loop(stop: threading.Event) -> None:
        while not stop.wait(every):
            try:
                work()
            except Exception:
                log.exception("%s: the round failed; trying again at the next one", what)
            finally:
                close_old_connections()

    return loop


def registered() -> dict[str, Loop]:
    return dict(_loops)


def start(stop: threading.Event) -> list[threading.Thread]:
    """Start every registered loop on its own thread."""
    threads = [
        threading.Thread(target=loop, args=(stop,), name=f"loop-{name}", daemon=True)
        for name, loop in _loops.items()
    ]
    for thread in threads:
        thread.start()
    return threads
