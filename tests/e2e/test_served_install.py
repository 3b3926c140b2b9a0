"""What `convener serve` leaves on disk and writes in its log, for an install made by a
person whose umask is the usual 022 (see the server fixture)."""

from __future__ import annotations

import stat
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.e2e.conftest import Server

OAUTH_CODE = "4/0AQlEd8x-e2e-oauth-code"
OAUTH_STATE = "e2e-st4te-s3cret"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fetch_status(url: str) -> int:
    request = urllib.request.Request(url)  # noqa: S310 (our own server on loopback)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_data_directory_and_database_files_are_owner_only_while_serving(
    server: Server,
) -> None:
    assert mode(server.data_dir) == 0o700
    if server.database != "sqlite":
        return  # PostgreSQL keeps its own files
    database = server.data_dir / "convener.sqlite3"
    # The WAL and SHM files exist while a connection is open: the worker holds one.
    for suffix in ["", "-wal", "-shm"]:
        path = database.with_name(database.name + suffix)
        assert path.exists(), f"{path.name} is missing while serving"
        assert mode(path) == 0o600, f"{path.name} is {oct(mode(path))}"


def test_the_log_never_holds_an_oauth_code_or_state(server: Server) -> None:
    query = f"code={OAUTH_CODE.replace('/', '%2F')}&state={OAUTH_STATE}"
    # A visitor who is not logged in is sent on to the login page with ?next=<the callback>,
    # which carries the code along, encoded.
    assert fetch_status(f"{server.url}/connections/callback/?{query}") == 200
    # Django logs the requests it answers with an error itself (django.request).
    assert fetch_status(f"{server.url}/connections/nowhere/?{query}") == 404

    # Gunicorn writes a request's access line once the response is sent, so the client can
    # be on to its next request first: wait for every line the checks below read.
    expected = [
        "GET /connections/callback/?code=[REDACTED]&state=[REDACTED] HTTP/1.1",
        "Not Found: /connections/nowhere/",
        "GET /connections/nowhere/?code=[REDACTED]&state=[REDACTED] HTTP/1.1",
    ]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not all(line in server.log() for line in expected):
        time.sleep(0.1)
    log = server.log()
    for line in expected:
        assert line in log
    for secret in [OAUTH_CODE, OAUTH_CODE.replace("/", "%2F"), OAUTH_STATE]:
        assert secret not in log, f"{secret} is in the server log"
