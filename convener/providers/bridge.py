"""Running the providers' synchronous code on an event loop, without a thread per call.

Every provider is written once, as plain synchronous code over an `httpx2.Client`. The
worker runs hundreds of those calls at a time: a thread for each would hold hundreds of
threads while they wait on the network, all fighting over one interpreter lock. Instead
`run_bridged` runs a provider call in a greenlet on the worker's event loop; when the call
reaches the network (`http._SharedTransport`), a pause, or something that must block
(`blocking`: a database read for a token, a pacing reservation), the greenlet hands the
awaitable to the loop and is resumed with its result. So the same provider code serves
the web pages (plain threads, nothing bridged) and the worker's hundreds of calls in
flight.

This is the technique SQLAlchemy uses for its asyncio support.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from greenlet import getcurrent, greenlet  # type: ignore[import-untyped]

T = TypeVar("T")


class _Bridged(greenlet):  # type: ignore[misc]
    """A provider call running on the loop: its parent is the coroutine awaiting it."""

    def __init__(self, fn: Callable[[], Any], driver: greenlet) -> None:
        super().__init__(fn, driver)
        self.driver = driver


def bridged() -> bool:
    """Whether this code runs inside `run_bridged` (and may hand awaitables to the loop)."""
    return isinstance(getcurrent(), _Bridged)


def await_only(awaitable: Awaitable[T]) -> T:
    """From bridged synchronous code: wait for `awaitable` on the loop, and return its result."""
    current = getcurrent()
    if not isinstance(current, _Bridged):
        raise RuntimeError("await_only is only for code running under run_bridged")
    return cast(T, current.driver.switch(awaitable))


async def run_bridged(fn: Callable[[], T]) -> T:
    """Run the synchronous `fn` on the running loop; each await_only inside it suspends
    only this call, never the loop."""
    context = _Bridged(fn, getcurrent())
    result: Any = context.switch()
    while not context.dead:
        try:
            value = await result
        except BaseException:
            result = context.throw(*sys.exc_info())
        else:
            result = context.switch(value)
    return cast(T, result)


def pause(seconds: float) -> None:
    """Sleep: on the loop when bridged (other calls go on meanwhile), else the thread."""
    if seconds <= 0:
        return
    if bridged():
        await_only(asyncio.sleep(seconds))
    else:
        time.sleep(seconds)


def blocking(fn: Callable[[], T]) -> T:
    """Run `fn`, which may block (a database query), off the loop when bridged: the loop
    must never wait for it, and Django refuses database work on a thread running a loop."""
    if bridged():
        return await_only(asyncio.to_thread(fn))
    return fn()
