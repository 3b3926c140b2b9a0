"""Gunicorn's access log, without the secrets that travel in URLs.

An OAuth provider sends the user back to /connections/callback/?code=...&state=..., and
gunicorn's access log writes each request line with its query string: a one-time code
that, while it is fresh, is worth an account's tokens. The logger class here writes every
atom of the log line (request line, query string, referrer, headers, environ) with the
values of sensitive parameters replaced, and sensitive headers such as Authorization and
Cookie replaced whole, whatever access log format is configured.

`convener serve` uses it; run gunicorn yourself with
`--logger-class convener.accesslog.RedactingAccessLogger`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote_plus

from gunicorn.glogging import Logger

REDACTED = "[REDACTED]"

# Parameter names that carry a secret, as the whole name or one of its parts
# ("device_code", "session_state", "X-Amz-Signature"), or anywhere in it ("access_token").
SENSITIVE_PARTS = frozenset(
    {"code", "state", "key", "sig", "pass", "otp", "nonce", "ticket", "hash", "pin"}
)
SENSITIVE_FRAGMENTS = (
    "token",
    "secret",
    "passw",
    "pwd",
    "signature",
    "credential",
    "assertion",
    "session",
    "verifier",
    "apikey",
    "auth",
    "jwt",
    "cookie",
)
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

# name=value after the start, "?", "&" or ";" (the last also separates cookies).
_PAIR = re.compile(r"(?P<lead>(?:^|[?&;])\s*)(?P<name>[^=&;?#\s\"]+)=(?P<value>[^&;#\s\"]*)")
_NAME_PARTS = re.compile(r"[^a-z0-9]+")
_HEADER_ATOM = re.compile(r"^\{(?P<name>[^}]+)\}[io]$")


def is_sensitive(name: str) -> bool:
    lowered = unquote_plus(name).lower()
    if any(fragment in lowered for fragment in SENSITIVE_FRAGMENTS):
        return True
    return any(part in SENSITIVE_PARTS for part in _NAME_PARTS.split(lowered))


def redact_parameters(text: str) -> str:
    """`text` (a URL, a request line, a query string, a cookie header) with the values of
    sensitive parameters replaced by [REDACTED]."""

    def replace(pair: re.Match[str]) -> str:
        value = pair["value"]
        if value and is_sensitive(pair["name"]):
            return f"{pair['lead']}{pair['name']}={REDACTED}"
        if "%" in value:
            # A URL inside a parameter, such as the login page's ?next=/connections/
            # callback/%3Fcode%3D...: redact within it too.
            decoded = unquote_plus(value)
            redacted = redact_parameters(decoded)
            if redacted != decoded:
                return f"{pair['lead']}{pair['name']}={quote(redacted, safe='/:[]')}"
        return pair.group(0)

    return _PAIR.sub(replace, text)


def redact_atoms(atoms: dict[str, Any]) -> dict[str, Any]:
    redacted: dict[str, Any] = {}
    for key, value in atoms.items():
        header = _HEADER_ATOM.match(key)
        if header and header["name"] in SENSITIVE_HEADERS:
            redacted[key] = REDACTED
        elif isinstance(value, str) and "=" in value:
            redacted[key] = redact_parameters(value)
        else:
            redacted[key] = value
    return redacted


class RedactingAccessLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger, with sensitive parameters and headers kept out of the access log."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        return redact_atoms(super().atoms(resp, req, environ, request_time))
