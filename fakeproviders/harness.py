"""What every fake provider shares: a threaded HTTP server, routing, faults, inspection.

A fake is a `FakeProvider` subclass with routes; `FakeServer` serves it on 127.0.0.1.
Every fake also answers these control endpoints (never subject to faults):

    GET  /_fake/state    what the fake holds (its `state()`), for tests to count meetings
    GET  /_fake/calls    how many calls each route received, by status
    POST /_fake/faults   change the faults (JSON, any subset of `Faults`' fields)
    POST /_fake/reset    forget everything and clear the faults

Faults reproduce what real networks and real providers do to clients:

    latency_ms               added to every call
    server_error_rate        share of calls answered with the provider's 5xx
    timeout_rate             share of calls that hang for hang_seconds (the client times out)
    drop_after_commit_rate   share of writes that are carried out, then the connection is
                             closed without a response: the ambiguous failure that makes
                             duplicates in clients that retry blindly
    rate_limit_per_second    per account (bearer token owner): at most this many calls in
                             any one-second window, then the provider's own 429
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Faults:
    latency_ms: float = 0.0
    server_error_rate: float = 0.0
    timeout_rate: float = 0.0
    hang_seconds: float = 30.0
    drop_after_commit_rate: float = 0.0
    rate_limit_per_second: float | None = None
    seed: int | None = None

    def update(self, changes: Mapping[str, Any]) -> None:
        update_known_fields(self, changes, "fault")


def update_known_fields(record: Any, changes: Mapping[str, Any], what: str) -> None:
    """Set a dataclass's fields from a control route's JSON; a name it does not have is a
    ValueError listing the ones it has (a typo must not pass silently as a no-op)."""
    known = {f.name for f in fields(record)}
    for name, value in changes.items():
        if name not in known:
            raise ValueError(f"unknown {what} {name!r}; known: {', '.join(sorted(known))}")
        setattr(record, name, value)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))

    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        if value.lower().startswith("bearer "):
            return value[7:].strip()
        return None

    @property
    def is_write(self) -> bool:
        return self.method not in {"GET", "HEAD", "OPTIONS"}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        return cls(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )

    @classmethod
    def html(cls, status: int, text: str) -> Response:
        return cls(status, text.encode(), {"Content-Type": "text/html; charset=utf-8"})

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        return cls(status)

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(302, b"", {"Location": location})


Handler = Callable[..., Response]


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Mark a FakeProvider method as the handler of `method` on paths matching `pattern`.

    Named groups in the pattern are passed to the handler as keyword arguments.
    """

    def mark(func: Handler) -> Handler:
        func._fake_route = (method, re.compile(f"^{pattern}$"))  # type: ignore[attr-defined]
        return func

    return mark


class DropResponse(Exception):
    """Raised inside the server to close the connection without answering."""


class FakeProvider:
    """Base of the fakes. Subclasses add @route handlers and the provider's error shapes."""

    name: ClassVar[str] = "fake"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults = Faults()
        self.calls: Counter[str] = Counter()
        self._random = random.Random()
        self._windows: dict[str, deque[float]] = {}
        self.base_url = ""  # set by FakeServer once the port is known
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        for attr in dir(type(self)):
            func = getattr(type(self), attr)
            spec = getattr(func, "_fake_route", None)
            if spec:
                self._routes.append((spec[0], spec[1], getattr(self, attr)))
        self.reset()

    # -- to override -----------------------------------------------------------------
    def reset(self) -> None:
        """Forget all state (subclasses call super().reset() and clear their own)."""
        with self.lock:
            self.faults = Faults()
            self.calls.clear()
            self._windows.clear()

    def state(self) -> dict[str, Any]:
        """What the fake holds, for tests and benchmarks."""
        return {}

    def convener_settings(self) -> dict[str, str]:
        """The CONVENER_* variables that point Convener at this fake once it is served
        (`base_url` known): its endpoints and the OAuth app it accepts. Gather them for
        several fakes with `fakeproviders.settings_for`."""
        raise NotImplementedError(f"{type(self).__name__} does not say how to reach it")

    def account_of(self, request: Request) -> str | None:
        """Whose quota a call counts against (None: not rate limited)."""
        return request.bearer()

    def rate_limited(self, request: Request, retry_after: float) -> Response:
        return Response.json(429, {"error": "rate limited"}, {"Retry-After": f"{retry_after:.3f}"})

    def server_error(self, request: Request) -> Response:
        return Response.json(500, {"error": "internal error"})

    def not_found(self, request: Request) -> Response:
        return Response.json(404, {"error": f"no route for {request.method} {request.path}"})

    # -- machinery -------------------------------------------------------------------
    def chance(self, rate: float) -> bool:
        if rate <= 0:
            return False
        with self.lock:
            return self._random.random() < rate

    def _rate_limit_wait(self, account: str) -> float:
        """0 when the call may proceed, else seconds until the one-second window frees."""
        limit = self.faults.rate_limit_per_second
        if not limit:
            return 0.0
        now = time.monotonic()
        with self.lock:
            window = self._windows.setdefault(account, deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                return max(0.001, 1.0 - (now - window[0]))
            window.append(now)
            return 0.0

    def control(self, request: Request) -> Response | None:
        if not request.path.startswith("/_fake/"):
            return None
        action = request.path.removeprefix("/_fake/")
        if action == "state" and request.method == "GET":
            with self.lock:
                return Response.json(200, self.state())
        if action == "calls" and request.method == "GET":
            with self.lock:
                return Response.json(200, dict(self.calls))
        if action == "faults" and request.method == "POST":
            try:
                with self.lock:
                    self.faults.update(request.json() or {})
                    if self.faults.seed is not None:
                        self._random.seed(self.faults.seed)
            except (ValueError, TypeError) as exc:
                return Response.json(400, {"error": str(exc)})
            return Response.json(200, asdict(self.faults))
        if action == "faults" and request.method == "GET":
            return Response.json(200, asdict(self.faults))
        if action == "reset" and request.method == "POST":
            self.reset()
            return Response.json(200, {"reset": True})
        return self.not_found(request)

    def dispatch(self, request: Request) -> Response:
        """Apply faults, then the route. Raises DropResponse to close without answering."""
        control = self.control(request)
        if control is not None:
            return control
        faults = self.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000.0)
        if self.chance(faults.timeout_rate):
            time.sleep(faults.hang_seconds)
            return Response.json(504, {"error": "gateway timeout"})
        if self.chance(faults.server_error_rate):
            return self._count(request, "fault", self.server_error(request))
        account = self.account_of(request)
        if account is not None:
            wait = self._rate_limit_wait(account)
            if wait:
                return self._count(request, "rate_limit", self.rate_limited(request, wait))
        for method, pattern, handler in self._routes:
            if method != request.method:
                continue
            match = pattern.match(request.path)
            if match:
                response = handler(request, **match.groupdict())
                self._count(request, handler.__name__, response)
                committed = request.is_write and response.status < 300
                if committed and self.chance(faults.drop_after_commit_rate):
                    with self.lock:
                        self.calls["dropped_after_commit"] += 1
                    raise DropResponse
                return response
        return self._count(request, "unrouted", self.not_found(request))

    def _count(self, request: Request, name: str, response: Response) -> Response:
        with self.lock:
            self.calls[f"{request.method} {name} {response.status}"] += 1
        return response


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY every response waits
    # ~40 ms for Nagle's algorithm, which would swamp the latency the faults set.
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            response = self.server.app.dispatch(request)
        except DropResponse:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and benchmarks read /_fake/calls instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: FakeProvider) -> None:
        self.app = app
        super().__init__(address, _Handler)


class FakeServer:
    """Serves one fake on 127.0.0.1 in a background thread. Port 0 picks a free port."""

    def __init__(self, app: FakeProvider, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = _Server((host, port), app)
        address = self._server.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self.url = f"http://{self.host}:{self.port}"
        app.base_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"fake-{app.name}", daemon=True
        )

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
