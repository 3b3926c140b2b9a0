"""A real Convener for the browser tests: `convener serve` in a subprocess, on its own data
directory (and its own PostgreSQL database when DATABASE_URL is set), driven by Debian's
Chromium through Playwright.

Nothing here touches the test process's Django: the product is reached over HTTP only, the
way a person reaches it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import chromium_path, free_port, require

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_USERNAME = "alice"
ADMIN_EMAIL = "alice@example.com"
# The usual umask of a login shell: the install must be owner-only all the same.
SHELL_UMASK = 0o022
START_TIMEOUT = 45.0  # generous: CI machines and busy laptops start Django slowly
STOP_TIMEOUT = 20.0


@dataclass
class Server:
    url: str
    password: str
    log_path: Path
    process: subprocess.Popen[bytes]
    data_dir: Path
    database: str = "sqlite"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _product_env(data_dir: Path, port: int, password: str) -> dict[str, str]:
    """The environment of a fresh install: the product's own settings (not the test
    settings), no SMTP server, so invitations land in the outbox."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CONVENER_") and k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(
        CONVENER_DATA_DIR=str(data_dir),
        CONVENER_SITE_URL=f"http://127.0.0.1:{port}",
        CONVENER_ALLOWED_HOSTS="127.0.0.1",
        CONVENER_WORKER_POLL_SECONDS="0.1",
        E2E_PASSWORD=password,
        PYTHONUNBUFFERED="1",
    )
    return env


def _database_url_for(base_url: str, name: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A fresh, empty PostgreSQL database for the server when the suite runs on PostgreSQL
    (DATABASE_URL set); None on SQLite. Dropped at the end of the session."""
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url:
        yield None
        return
    import psycopg

    name = f"convener_e2e_{secrets.token_hex(6)}"
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url_for(base_url, name)
    finally:
        with psycopg.connect(base_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_command(args: list[str], env: dict[str, str], log_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "convener", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        umask=SHELL_UMASK,
    )
    with log_path.open("a") as log:
        log.write(f"$ convener {' '.join(args)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        pytest.fail(
            f"`convener {' '.join(args)}` failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )


def _wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last_error = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(
                f"`convener serve` exited with {server.process.returncode}:\n{server.log()}"
            )
        try:
            with urllib.request.urlopen(f"{server.url}/login/", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last_error = str(exc)
        time.sleep(0.2)
    pytest.fail(
        f"`convener serve` did not answer on {server.url} within {START_TIMEOUT:.0f} s "
        f"({last_error}):\n{server.log()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole process group (serve, gunicorn and its workers, the worker),
    then SIGKILL whatever is left after a grace period."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers of the group, if any
    process.wait(timeout=5)


@dataclass
class Fakes:
    """The fake Google, Microsoft and Zoom servers the product is pointed at."""

    servers: dict[str, Any]
    env: dict[str, str]

    def url(self, name: str) -> str:
        return str(self.servers[name].url)


@pytest.fixture(scope="session")
def fakes() -> Iterator[Fakes]:
    import fakeproviders

    servers = {name: fakeproviders.start(name) for name in fakeproviders.FAKES}
    try:
        yield Fakes(servers, fakeproviders.settings_for(*servers.values()))
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture(scope="session")
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_database: str | None,
    fakes: Fakes,
) -> Iterator[Server]:
    # The product makes its data directory itself, as on a first run.
    root = tmp_path_factory.mktemp("convener-e2e")
    data_dir = root / "data"
    port = free_port()
    password = secrets.token_urlsafe(16)
    env = _product_env(data_dir, port, password)
    env.update(fakes.env)
    if postgres_database:
        env["DATABASE_URL"] = postgres_database
    log_path = root / "server.log"

    _run_command(["migrate", "--no-input"], env, log_path)
    _run_command(
        [
            "createadmin",
            "--username",
            ADMIN_USERNAME,
            "--email",
            ADMIN_EMAIL,
            "--password-from-env",
            "E2E_PASSWORD",
        ],
        env,
        log_path,
    )
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "convener", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one
            umask=SHELL_UMASK,
        )
    server = Server(
        url=f"http://127.0.0.1:{port}",
        password=password,
        log_path=log_path,
        process=process,
        data_dir=data_dir,
        database="postgresql" if postgres_database else "sqlite",
    )
    try:
        _wait_until_serving(server)
        yield server
    finally:
        _stop(process)
        if request.session.testsfailed:
            reporter = request.config.pluginmanager.get_plugin("terminalreporter")
            text = f"\n===== convener serve log ({log_path}) =====\n{server.log()}"
            if reporter is not None:
                reporter.write_line(text)
            else:
                print(text, file=sys.stderr)


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Debian's Chromium. Package-scoped on purpose: while Playwright's sync API is started it
    keeps an asyncio loop marked as running in this thread, which makes Django refuse ORM
    calls in the database tests that run after this package in the same process."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else chromium_path()
    require(executable is not None, "chromium")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@dataclass
class Screenshots:
    """Full-page screenshots of every page a test visits, when CONVENER_SCREENSHOTS=1."""

    prefix: str
    enabled: bool = field(default_factory=lambda: os.environ.get("CONVENER_SCREENSHOTS") == "1")
    count: int = 0

    def __call__(self, page: Any, name: str) -> None:
        if not self.enabled:
            return
        ARTIFACTS.mkdir(exist_ok=True)
        self.count += 1
        path = ARTIFACTS / f"{self.prefix}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)


@pytest.fixture
def shoot(request: pytest.FixtureRequest) -> Screenshots:
    prefix = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    return Screenshots(prefix=prefix)


def new_context(
    browser: Any,
    server: Server,
    width: int = 1280,
    height: int = 900,
    *,
    zone: str = "Asia/Tokyo",  # the browser's own zone, unlike the user's or the meeting's
    locale: str = "en-GB",
) -> Any:
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": width, "height": height},
        locale=locale,
        timezone_id=zone,
    )
    context.set_default_timeout(10_000)
    return context


def run_in_installation(
    server: Server, database_url: str | None, code: str, data: Any = None
) -> None:
    """Run Python in the served installation with `convener shell`, as an operator would
    (to make what a test starts from); `data` is there as DATA, read back from JSON."""
    env = _product_env(server.data_dir, 0, server.password)
    if database_url:
        env["DATABASE_URL"] = database_url
    if data is not None:
        code = f"import json\nDATA = json.loads({json.dumps(data)!r})\n{code}"
    result = subprocess.run(
        [sys.executable, "-m", "convener", "shell", "-c", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def log_in(page: Any, server: Server, shoot: Screenshots | None = None) -> None:
    from playwright.sync_api import expect

    page.goto("/login/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    if shoot:
        shoot(page, "login")
    page.get_by_label("Username").fill(ADMIN_USERNAME)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/contacts/$"))


@contextlib.contextmanager
def signed_in(context: Any, server: Server, shoot: Screenshots | None = None) -> Iterator[Any]:
    """A page of `context` signed in as alice; the context is closed afterwards."""
    page = context.new_page()
    try:
        log_in(page, server, shoot)
        yield page
    finally:
        context.close()


@pytest.fixture
def paris_page(browser: Any, server: Server, shoot: Screenshots) -> Iterator[Any]:
    """A page signed in as alice, 1280 px wide, in a browser whose own zone is
    Europe/Paris (the server's is UTC)."""
    context = new_context(browser, server, zone="Europe/Paris")
    with signed_in(context, server, shoot) as page:
        yield page


@pytest.fixture
def page(browser: Any, server: Server, shoot: Screenshots) -> Iterator[Any]:
    """A page signed in as alice, in a fresh browser context, 1280 px wide."""
    context = new_context(browser, server)
    with signed_in(context, server, shoot) as page:
        yield page
