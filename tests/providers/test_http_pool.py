"""The shared HTTP pool that provider clients borrow: reused across clients, and still
routed through the environment's proxy (a client given a transport ignores it). Token
calls borrow it too."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import httpx2
import pytest

from convener.providers import bridge, oauth
from convener.providers.base import ProviderError
from convener.providers.http import _shared_transport, _SharedTransport, make_client
from tests.loopback import LoopbackHandler, LoopbackServer, serving

TOKEN_ANSWER = {"access_token": "fresh", "expires_in": 3600, "refresh_token": "next"}


class Recorder(LoopbackServer):
    """Answers every request with 200 and keeps each request line and client port; a POST
    (a token endpoint) gets a token."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.peers: set[int] = set()
        recorder = self

        class Handler(LoopbackHandler):
            def do_GET(self) -> None:
                recorder.lines.append(self.requestline)
                recorder.peers.add(self.client_address[1])
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_POST(self) -> None:
                recorder.lines.append(self.requestline)
                recorder.peers.add(self.client_address[1])
                self.read_body()
                self.answer_json(200, TOKEN_ANSWER)

        super().__init__(Handler)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    with serving(Recorder()) as server:
        yield server


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


@pytest.fixture
def proxied_through(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The environment names the recorder as the HTTP proxy. The process's shared pool
    read the proxy settings when it was first made: it is made again for this test, and
    again after it for the next one."""
    for name in ("http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", recorder.url)
    _shared_transport.cache_clear()
    yield
    _shared_transport.cache_clear()


def token_app(token_url: str) -> oauth.OAuthApp:
    return oauth.OAuthApp(
        provider_name="Acme",
        client_id="client",
        client_secret="secret",
        authorize_url="http://login.provider.test/authorize",
        token_url=token_url,
    )


def test_token_refreshes_go_through_the_proxy_the_environment_names_on_one_connection(
    recorder: Recorder, proxied_through: None
) -> None:
    app = token_app("http://login.provider.test/token")
    tokens = [oauth.refresh(app, f"refresh-token-{n}") for n in range(2)]

    assert [(t.access_token, t.refresh_token) for t in tokens] == [("fresh", "next")] * 2
    assert recorder.lines == ["POST http://login.provider.test/token HTTP/1.1"] * 2
    assert len(recorder.peers) == 1  # the shared pool's connection, kept alive between them


def test_an_organization_grant_goes_through_the_proxy_too(
    recorder: Recorder, proxied_through: None
) -> None:
    app = token_app("http://login.provider.test/token")
    tokens = oauth.client_grant(app, {"grant_type": "client_credentials"})

    assert tokens.access_token == "fresh"
    assert recorder.lines == ["POST http://login.provider.test/token HTTP/1.1"]


def test_a_token_call_gives_up_after_the_timeout_it_was_given() -> None:
    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/token"
        started = time.monotonic()
        with pytest.raises(ProviderError) as refused:
            oauth.refresh(token_app(url), "old-refresh-token", timeout=0.3)

    assert not refused.value.permanent
    assert "ReadTimeout" in refused.value.message
    assert time.monotonic() - started < 10  # the given 0.3 s, not the 20 s default


def test_calls_on_the_event_loop_reuse_their_accounts_connections(recorder: Recorder) -> None:
    """The worker's calls, made in flight on its loop: each account's calls in a row go
    over one kept-alive connection, and every account's calls are answered."""
    transport = _SharedTransport()

    def call(account: str) -> int:
        headers = {"Authorization": f"Bearer {account}"}
        with httpx2.Client(transport=transport, timeout=5.0, headers=headers) as client:
            return client.get(f"{recorder.url}/v2/users/me").status_code

    async def in_a_row(account: str) -> list[int]:
        return [await bridge.run_bridged(lambda: call(account)) for _ in range(3)]

    async def everyone() -> list[list[int]]:
        try:
            return list(await asyncio.gather(*(in_a_row(f"token-{n}") for n in range(40))))
        finally:
            await transport.looped.close()

    answers = asyncio.run(everyone())

    assert answers == [[200, 200, 200]] * 40
    assert len(recorder.lines) == 120
    # At most one connection per account (40 calls at a time): none made per call.
    assert len(recorder.peers) <= 40


def test_calls_on_the_event_loop_go_through_the_proxy_unless_no_proxy_names_the_host(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker's calls, sent with aiohttp from its loop, honour HTTP_PROXY and
    NO_PROXY as the threads' pools do."""
    monkeypatch.setenv("HTTP_PROXY", recorder.url)
    monkeypatch.setenv("NO_PROXY", "localhost")
    monkeypatch.delenv("no_proxy", raising=False)
    transport = _SharedTransport()
    direct = recorder.url.replace("127.0.0.1", "localhost")

    def call(url: str) -> int:
        with httpx2.Client(transport=transport, timeout=5.0) as client:
            return client.get(url).status_code

    async def both() -> list[int]:
        try:
            proxied = await bridge.run_bridged(lambda: call("http://api.provider.test/v2/me"))
            reached = await bridge.run_bridged(lambda: call(f"{direct}/v2/users/me"))
            return [proxied, reached]
        finally:
            await transport.looped.close()

    assert asyncio.run(both()) == [200, 200]
    assert recorder.lines == [
        "GET http://api.provider.test/v2/me HTTP/1.1",
        "GET /v2/users/me HTTP/1.1",
    ]
