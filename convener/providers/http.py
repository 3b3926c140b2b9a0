"""The HTTP seam shared by provider clients: bearer auth with one refresh, Retry-After.

Every client takes an `httpx2.Client` built here (or a test's own), so the base URL and
the transport are injectable and the real endpoints are only defaults in settings. Token
endpoints are called through the same seam (`client_options`): the same pool, proxies,
TLS context and timeout as the API calls they serve.
"""

from __future__ import annotations

import functools
import ssl
import urllib.request
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypedDict

import httpx2

from convener.providers import bridge
from convener.providers.base import AccessTokenSource
from convener.providers.loop_http import LoopSessions


class BearerAuth(httpx2.Auth):
    """Adds the account's bearer token; after a 401 refreshes once and retries the request.

    The refresh goes through the token source, which serialises refreshes per connection
    (Zoom invalidates the previous refresh token on use). Both may read the database, so
    on the worker's loop they run on a thread (`bridge.blocking`).
    """

    def __init__(self, source: AccessTokenSource) -> None:
        self.source = source

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        # A source that can answer from what it holds (`ready`, optional) spares the
        # worker's loop a trip to a thread for every call.
        ready: Callable[[], str | None] | None = getattr(self.source, "ready", None)
        token = (ready() if ready is not None else None) or bridge.blocking(self.source.token)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            fresh = bridge.blocking(lambda: self.source.refresh(token))
            request.headers["Authorization"] = f"Bearer {fresh}"
            yield request


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process. Building one loads the CA bundle, about 23 ms of CPU,
    and the pipeline builds a client for every provider step: at 2,000 meetings that was
    a third of a worker's CPU time."""
    return httpx2.create_ssl_context()


# Idle connections are closed after this long: before providers' own idle timeouts would
# close them under a request.
KEEPALIVE_SECONDS = 30.0
# A pool's proxy (None: direct) and shard.
_PoolKey = tuple[str | None, int]
POOL_SHARDS = 32


class _SharedTransport(httpx2.BaseTransport):
    """The process's connection pools, lent to every client: closing a client (one per
    provider step) must not close them, or each step would pay a new TCP and TLS
    handshake to the same provider host.

    A client given a transport no longer reads HTTPS_PROXY/NO_PROXY itself, so the
    proxy settings of the environment are applied here, per request scheme and host.
    """

    def __init__(self) -> None:
        self.limits = httpx2.Limits(
            max_connections=None,
            max_keepalive_connections=64,
            keepalive_expiry=KEEPALIVE_SECONDS,
        )
        # HTTP_PROXY / HTTPS_PROXY, by the scheme of the request, as httpx itself reads them.
        self.proxies = {
            scheme: url
            for scheme, url in urllib.request.getproxies().items()
            if scheme in {"http", "https"}
        }
        # Pools by `_pool_key`, for threads. Thread-safe (httpcore's pools lock) and keyed
        # by origin inside.
        self.pools: dict[_PoolKey, httpx2.HTTPTransport] = {}
        # The event loop's sessions, made on first use from a bridged call (see `bridge`).
        self.looped = LoopSessions(tls=_tls_context(), keepalive_seconds=KEEPALIVE_SECONDS)

    def _proxy(self, request: httpx2.Request) -> str | None:
        """The proxy this request goes through, or None to go direct (NO_PROXY)."""
        proxy = self.proxies.get(request.url.scheme)
        if proxy is None or urllib.request.proxy_bypass(request.url.host):
            return None
        return proxy

    def _pool_key(self, request: httpx2.Request) -> _PoolKey:
        """The request's proxy, and its account's shard of the pools. On every request a
        pool checks each of its idle connections for a server's hang-up (a system call
        or two per connection), so one pool for hundreds of calls in flight cost more
        CPU per call the more calls there were: over 1 ms each at 80 connections. By
        account (its bearer token), a request meets only the few connections its own
        account and the shard's other accounts keep, and still reuses them."""
        account = request.headers.get("Authorization", "")
        return self._proxy(request), hash(account) % POOL_SHARDS

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if bridge.bridged():
            # A worker's call on the event loop: wait for the network there, so that no
            # thread is held while the provider answers.
            return bridge.await_only(self._handle_on_loop(request))
        key = self._pool_key(request)
        pool = self.pools.get(key)
        if pool is None:
            # setdefault: two threads racing here keep one pool between them.
            pool = self.pools.setdefault(
                key, httpx2.HTTPTransport(verify=_tls_context(), limits=self.limits, proxy=key[0])
            )
        return pool.handle_request(request)

    async def _handle_on_loop(self, request: httpx2.Request) -> httpx2.Response:
        return await self.looped.send(request, self._proxy(request))

    def close(self) -> None:
        """Left open: other clients are using it; it lasts as long as the process."""


@functools.cache
def _shared_transport() -> _SharedTransport:
    return _SharedTransport()


async def close_loop_sessions() -> None:
    """Close the running loop's connections to the providers (before the loop stops)."""
    await _shared_transport().looped.close()


# What one provider call may take when the caller names no timeout (Convener's own
# callers pass CONVENER_PROVIDER_TIMEOUT_SECONDS, whose default this is).
DEFAULT_TIMEOUT_SECONDS = 20.0


class ClientOptions(TypedDict):
    """The keyword arguments of every client to a provider, API or token endpoint."""

    timeout: httpx2.Timeout
    transport: httpx2.BaseTransport
    verify: ssl.SSLContext
    headers: dict[str, str]
    follow_redirects: bool


def client_options(
    *, timeout: float = DEFAULT_TIMEOUT_SECONDS, transport: httpx2.BaseTransport | None = None
) -> ClientOptions:
    """The shared pool (with the environment's proxies), TLS context and timeout, for an
    `httpx2.Client` or anything built on one (Authlib's OAuth client)."""
    return ClientOptions(
        timeout=httpx2.Timeout(timeout, connect=min(timeout, 10.0)),
        transport=transport or _shared_transport(),
        verify=_tls_context(),
        headers={"User-Agent": "Convener"},
        follow_redirects=False,
    )


def make_client(
    base_url: str,
    *,
    timeout: float,
    auth: httpx2.Auth | None = None,
    transport: httpx2.BaseTransport | None = None,
) -> httpx2.Client:
    return httpx2.Client(
        base_url=base_url, auth=auth, **client_options(timeout=timeout, transport=transport)
    )


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait according to a Retry-After header, or None when absent or unreadable.

    Accepts what providers really send: whole seconds ("10"), fractional seconds
    ("2.128", Microsoft Graph), an HTTP date, and an ISO 8601 timestamp
    ("2020-05-31T00:00:00Z", Zoom's daily limit).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    now = now or datetime.now(UTC)
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    when: datetime | None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def seconds_until_utc_midnight(now: datetime | None = None) -> float:
    """Seconds until the next 00:00 UTC (when Zoom's per-host daily counter resets)."""
    now = now or datetime.now(UTC)
    tomorrow = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (tomorrow - now).total_seconds() + 86400.0
