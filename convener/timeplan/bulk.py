"""Building millions of small result objects without the cyclic garbage collector in the way.

Each container allocated counts towards a collection, and every full collection walks all the
objects made so far, so building a million meetings with the collector on is about three times
slower. These objects form no reference cycles, so nothing is lost by collecting afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic garbage collection for the block; restore it as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
