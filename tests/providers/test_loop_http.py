"""Provider requests sent from the worker's event loop (`providers.loop_http`): they leave
as the client built them, come back as the client would read them on a page, and fail
with the errors the providers tell apart."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import httpx2
import pytest

from convener.providers import bridge
from convener.providers.http import close_loop_sessions, make_client
from tests.loopback import LoopbackHandler, LoopbackServer, serving

T = TypeVar("T")


def on_the_loop(call: Callable[[], T]) -> T:
    """Run `call` as the worker runs a provider call: bridged, on an event loop."""

    async def bridged() -> T:
        try:
            return await bridge.run_bridged(call)
        finally:
            await close_loop_sessions()

    return asyncio.run(bridged())


class Echo(LoopbackServer):
    """Answers with the request's headers as JSON, gzipped, and sets a cookie."""

    def __init__(self) -> None:
        class Handler(LoopbackHandler):
            def do_POST(self) -> None:
                sent = self.read_body()
                body = gzip.compress(
                    json.dumps({"headers": dict(self.headers), "body": sent.decode()}).encode()
                )
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Set-Cookie", "session=of-the-first-account; Path=/")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)


@pytest.fixture
def echo() -> Iterator[Echo]:
    with serving(Echo()) as server:
        yield server


def test_a_request_leaves_as_the_client_built_it_and_its_gzipped_answer_reads_once(
    echo: Echo,
) -> None:
    def call() -> tuple[int, dict[str, object]]:
        with make_client(echo.url, timeout=5.0, auth=None) as client:
            answer = client.post("/calendar/v3/events", json={"summary": "Demo"})
            return answer.status_code, answer.json()

    status, seen = on_the_loop(call)

    assert status == 201
    assert json.loads(str(seen["body"])) == {"summary": "Demo"}
    headers = {name.lower(): value for name, value in dict(seen["headers"]).items()}  # type: ignore[call-overload]
    assert headers["user-agent"] == "Convener"
    assert headers["content-type"] == "application/json"


def test_no_cookie_passes_from_one_accounts_call_to_anothers(echo: Echo) -> None:
    def call(account: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {account}"}
        # By name: cookies from an address such as 127.0.0.1 are never kept anyway.
        by_name = echo.url.replace("127.0.0.1", "localhost")
        with make_client(by_name, timeout=5.0) as client:
            client.headers.update(headers)
            return {
                name.lower(): value
                for name, value in client.post("/events", json={}).json()["headers"].items()
            }

    async def both() -> list[dict[str, str]]:
        try:
            first = await bridge.run_bridged(lambda: call("first"))
            second = await bridge.run_bridged(lambda: call("second"))
            return [first, second]
        finally:
            await close_loop_sessions()

    first, second = asyncio.run(both())

    assert first["authorization"] == "Bearer first"
    assert second["authorization"] == "Bearer second"
    assert "cookie" not in second


def test_a_refused_connection_is_httpxs_connect_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    def call() -> object:
        with make_client(f"http://127.0.0.1:{port}", timeout=5.0) as client:
            return client.get("/")

    with pytest.raises(httpx2.ConnectError):
        on_the_loop(call)


def test_a_provider_that_does_not_answer_in_time_is_httpxs_read_timeout() -> None:
    let_go = threading.Event()

    class Silent(LoopbackHandler):
        def do_GET(self) -> None:
            let_go.wait(10)

    def call() -> object:
        with make_client(server.url, timeout=0.3) as client:
            return client.get("/")

    with serving(LoopbackServer(Silent)) as server:
        try:
            with pytest.raises(httpx2.ReadTimeout):
                on_the_loop(call)
        finally:
            let_go.set()
