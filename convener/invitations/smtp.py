"""One SMTP connection per sending thread, reused from message to message.

A new connection per invitation costs a TCP handshake, the server's greeting, EHLO and
(with STARTTLS or SSL) a TLS handshake and a login: more than sending the message. The
worker sends thousands in a row, so each thread keeps its connection open while it is
used and opens a new one when the settings change or it has idled long enough for the
server to have dropped it.
"""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

# Servers drop idle clients after a while (often a minute or more); reopening before that
# spares a failed send.
IDLE_SECONDS = 30.0

_local = threading.local()


def _settings_key() -> tuple[Any, ...]:
    return (
        settings.INVITATION_EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
    )


def _drop() -> None:
    backend = getattr(_local, "backend", None)
    _local.backend = None
    if backend is not None:
        # A broken connection has nothing more to release.
        with contextlib.suppress(Exception):
            backend.close()


def _open() -> Any:
    backend = getattr(_local, "backend", None)
    key = _settings_key()
    fresh = (
        backend is not None and _local.key == key and time.monotonic() - _local.used < IDLE_SECONDS
    )
    if not fresh:
        _drop()
        backend = get_connection(settings.INVITATION_EMAIL_BACKEND, fail_silently=False)
        backend.open()
        _local.backend, _local.key = backend, key
    _local.used = time.monotonic()
    return backend


def send(message: EmailMessage) -> int:
    """Send one message over this thread's connection; how many the server accepted.
    Raises what the SMTP library raises; the connection is dropped after any failure."""
    reused = getattr(_local, "backend", None) is not None
    try:
        return int(_open().send_messages([message]))
    except smtplib.SMTPServerDisconnected:
        _drop()
        if not reused:
            raise
        # The server had closed the kept connection before this message began (it was
        # idle): nothing was accepted, so one try on a new connection sends it once.
        return int(_open().send_messages([message]))
    except Exception:
        _drop()
        raise
