"""Gunicorn's access log, as `convener serve` configures it, keeps OAuth codes, state,
tokens and passwords out: their values are written as [REDACTED], the rest of the line
stays useful."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from convener.accesslog import RedactingAccessLogger, is_sensitive, redact_parameters

CALLBACK = "/connections/callback/?code=4%2F0AQlEd8x-oauth-code&state=st4te-s3cret&scope=email"


def write_access_line(
    tmp_path: Path, raw_uri: str, log_format: str | None = None, **headers: str
) -> str:
    """One request through gunicorn's own access() into a log file; the line it wrote."""
    log_file = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log_file))
    if log_format:
        config.set("access_log_format", log_format)
    logger = RedactingAccessLogger(config)
    path, _, query = raw_uri.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw_uri,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": headers.get("referer", "-"),
        "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64)",
    }
    request = SimpleNamespace(headers=[(k.upper(), v) for k, v in headers.items()])
    response = SimpleNamespace(
        status="302 Found",
        sent=0,
        headers=[("Location", "https://accounts.example.com/auth?state=st4te-s3cret&x=1")],
    )
    logger.access(response, request, environ, timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    return log_file.read_text()


def test_the_request_line_keeps_the_path_and_harmless_parameters(tmp_path: Path) -> None:
    line = write_access_line(tmp_path, CALLBACK)
    assert "4%2F0AQlEd8x-oauth-code" not in line and "st4te-s3cret" not in line
    assert (
        '"GET /connections/callback/?code=[REDACTED]&state=[REDACTED]&scope=email HTTP/1.1" 302'
        in line
    )


def test_every_atom_of_a_custom_format_is_redacted(tmp_path: Path) -> None:
    line = write_access_line(
        tmp_path,
        CALLBACK,
        log_format=(
            "%(q)s %({query_string}e)s %({raw_uri}e)s %(f)s %({location}o)s "
            "%({authorization}i)s %({cookie}i)s"
        ),
        referer="https://convener.example/connections/callback/?code=4%2F0AQlEd8x-oauth-code",
        authorization="Bearer cnv_api-token-value",
        cookie="sessionid=session-key-value; csrftoken=csrf-value; theme=dark",
    )
    for secret in [
        "4%2F0AQlEd8x-oauth-code",
        "st4te-s3cret",
        "cnv_api-token-value",
        "session-key-value",
        "csrf-value",
    ]:
        assert secret not in line
    assert "scope=email" in line and "x=1" in line


def test_a_secret_inside_an_encoded_url_parameter_is_redacted() -> None:
    # Where login_required sends a visitor of the callback who is not logged in.
    redirected = "/login/?next=/connections/callback/%3Fcode%3Doauth-code%26state%3Dst4te"
    assert redact_parameters(redirected) == (
        "/login/?next=/connections/callback/%3Fcode%3D[REDACTED]%26state%3D[REDACTED]"
    )
    assert redact_parameters("/contacts/?next=%2Fmeetings%2F") == "/contacts/?next=%2Fmeetings%2F"


@pytest.mark.parametrize(
    "name",
    [
        "code",
        "state",
        "session_state",
        "access_token",
        "id_token",
        "client_secret",
        "password",
        "new_password1",
        "api_key",
        "apikey",
        "X-Amz-Signature",
        "code_verifier",
        "device_code",
        "jwt",
        "csrfmiddlewaretoken",
    ],
)
def test_parameters_that_carry_secrets_are_recognised(name: str) -> None:
    assert is_sensitive(name)


@pytest.mark.parametrize("name", ["page", "q", "scope", "contact_id", "provider", "prompt"])
def test_ordinary_parameters_are_kept(name: str) -> None:
    assert not is_sensitive(name)
    assert redact_parameters(f"/x?{name}=value") == f"/x?{name}=value"
