"""Provider code run on an event loop (`providers.bridge`): many calls wait on the network
together, on one thread, through the same synchronous client the pages use."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from convener.providers import bridge
from convener.providers.http import close_loop_sessions, make_client

CALLS = 20


@pytest.fixture
def gathering_server() -> Iterator[str]:
    """Answers a request only once CALLS requests are waiting at the same time: calls made
    one after another would never be answered."""
    everyone = threading.Barrier(CALLS, timeout=10)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            everyone.wait()
            body = json.dumps({"ok": True}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_bridged_calls_are_in_flight_together_on_one_thread(gathering_server: str) -> None:
    client = make_client(gathering_server, timeout=20)
    threads: set[int] = set()

    def call() -> object:
        threads.add(threading.get_ident())
        return client.get("/").json()

    async def all_at_once() -> list[object]:
        try:
            return await asyncio.gather(*(bridge.run_bridged(call) for _ in range(CALLS)))
        finally:
            await close_loop_sessions()

    try:
        assert asyncio.run(all_at_once()) == [{"ok": True}] * CALLS
    finally:
        client.close()
    assert threads == {threading.get_ident()}


def test_outside_the_loop_pauses_and_blocking_work_run_in_place() -> None:
    assert not bridge.bridged()
    bridge.pause(0)  # no loop: an ordinary sleep
    assert bridge.blocking(lambda: 42) == 42


def test_blocking_work_from_a_bridged_call_runs_on_another_thread() -> None:
    loop_thread = threading.get_ident()

    def call() -> int:
        return bridge.blocking(threading.get_ident)

    assert asyncio.run(bridge.run_bridged(call)) != loop_thread
