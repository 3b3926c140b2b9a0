"""The shared HTTP pool that provider clients borrow: reused across clients, and still
routed through the environment's proxy (a client given a transport ignores it)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest

from convener.providers.http import _SharedTransport, make_client


class Recorder(ThreadingHTTPServer):
    """Answers every request with 200 and keeps each request line and client port."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.peers: set[int] = set()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                recorder.lines.append(self.requestline)
                recorder.peers.add(self.client_address[1])
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_clients_closed_after_each_step_still_share_one_connection(recorder: Recorder) -> None:
    for _ in range(3):
        with make_client(recorder.url, timeout=5.0) as client:
            assert client.get("/v2/users/me").status_code == 200

    assert len(recorder.lines) == 3
    assert len(recorder.peers) == 1  # one TCP connection, kept alive across the clients


def test_requests_go_through_the_proxy_the_environment_names(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", recorder.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with httpx2.Client(transport=_SharedTransport(), timeout=5.0) as client:
        answer = client.get("http://api.provider.test/v2/users/me")

    assert answer.status_code == 200
    # A proxy is asked for the absolute URL; the provider's host never had to resolve.
    assert recorder.lines == ["GET http://api.provider.test/v2/users/me HTTP/1.1"]


def test_hosts_in_no_proxy_are_reached_directly(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: unusable
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with httpx2.Client(transport=_SharedTransport(), timeout=5.0) as client:
        answer = client.get(f"{recorder.url}/v2/users/me")

    assert answer.status_code == 200
    assert recorder.lines == ["GET /v2/users/me HTTP/1.1"]
