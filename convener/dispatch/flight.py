"""The worker's event loop: provider calls in flight, hundreds at a time, no thread each.

A step's database work (its checks, attempt, pacing slot; then its outcome) runs on the
dispatcher's small thread pool; between the two, the call itself waits for its pacing
slot and for the provider here, on one loop thread (`providers.bridge` runs the
provider's synchronous code there). So a worker holds as many calls in flight as the
lanes' pace allows, with a handful of threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import uvloop
from django.conf import settings

from convener.db.threads import close_connections
from convener.dispatch.provider_step import CallOutcome, ProviderStep
from convener.providers.bridge import run_bridged
from convener.providers.http import close_loop_sessions

if TYPE_CHECKING:
    from convener.dispatch.redis_lanes import Departures


class Flight:
    """One event loop on its own thread, for the calls of a worker process."""

    def __init__(self, *, blocking_threads: int = 4) -> None:
        self.loop = uvloop.new_event_loop()
        # For what a call must block on (a token renewal, a further pacing slot).
        self.blocking_threads = blocking_threads
        self.blocking = ThreadPoolExecutor(
            max_workers=blocking_threads, thread_name_prefix="flight-db"
        )
        self.loop.set_default_executor(self.blocking)
        self.thread = threading.Thread(target=self._run, name="flight", daemon=True)
        # When each lane's last call left this process (monotonic; only the loop's thread
        # touches it). A call that left its slot late (its batch's transaction, a busy
        # CPU) must not have the lane's next call, leaving on time, arrive right behind
        # it: the provider counts arrivals, not reservations.
        self.departed: dict[str, float] = {}
        # By Redis URL, made on the loop's thread (see `_shared`).
        self.shared: dict[str, Departures] = {}

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def start(self) -> Flight:
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.thread.is_alive():
            closing = asyncio.run_coroutine_threadsafe(self._close_connections(), self.loop)
            with contextlib.suppress(Exception):
                closing.result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        close_connections(self.blocking, self.blocking_threads)
        self.blocking.shutdown(wait=True)

    def launch(
        self, step: ProviderStep, not_before: float, landed: Callable[[CallOutcome], None]
    ) -> Future[None]:
        """Wait until `not_before` (monotonic: the step's pacing slot), make the call, then
        hand its outcome to `landed` (called on the loop thread: it must only pass it on)."""
        return asyncio.run_coroutine_threadsafe(self._fly(step, not_before, landed), self.loop)

    def _shared(self) -> Departures | None:
        """The lanes' departures from every worker process, with CONVENER_REDIS_URL."""
        url = settings.REDIS_URL
        if not url:
            return None
        if url not in self.shared:
            # Imported only when CONVENER_REDIS_URL is set, as `pacing` does.
            from convener.dispatch.redis_lanes import Departures

            self.shared[url] = Departures(url)
        return self.shared[url]

    async def _fly(
        self, step: ProviderStep, not_before: float, landed: Callable[[CallOutcome], None]
    ) -> None:
        while True:
            # The later of its slot and one interval after the lane's last departure.
            due = max(not_before, self.departed.get(step.lane, 0.0) + step.spacing)
            wait = due - time.monotonic()
            if wait <= 0:
                shared = self._shared() if step.spacing > 0 else None
                if shared is None:
                    break
                # And one interval after the last departure from any other process.
                wait = await shared.wait(step.lane, step.spacing)
                if wait <= 0:
                    break
            await asyncio.sleep(wait)
        self.departed[step.lane] = time.monotonic()
        await _call(step, landed)

    async def _close_connections(self) -> None:
        await close_loop_sessions()
        for shared in self.shared.values():
            await shared.close()
        self.shared.clear()


async def _call(step: ProviderStep, landed: Callable[[CallOutcome], None]) -> None:
    began = time.monotonic()
    try:
        outcome = await run_bridged(step.call)
    except BaseException as exc:  # `call` never raises; a cancelled loop may
        outcome = CallOutcome(error=exc if isinstance(exc, Exception) else RuntimeError(str(exc)))
    step.call_seconds = time.monotonic() - began
    landed(outcome)
