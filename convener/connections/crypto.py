"""Encryption of credentials at rest with MultiFernet.

The keys come from CONVENER_TOKEN_KEYS, independent of the Django secret key: the first
key encrypts, every key decrypts, so a key is rotated by putting a new one first, running
`convener rotate-keys` (re-encrypts every stored credential) and then removing the old one.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsUnreadable(Exception):
    """Stored credentials cannot be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ValueError(
            "CONVENER_TOKEN_KEYS: each key must be 32 url-safe base64-encoded bytes "
            "(make one with `convener genkey`)"
        ) from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TOKEN_KEYS))


def encrypt(data: dict[str, Any]) -> str:
    return fernet().encrypt(json.dumps(data).encode()).decode()


def decrypt(blob: str) -> dict[str, Any]:
    if not blob:
        return {}
    try:
        # A fresh dict each time: callers change what they read before writing it back.
        value: dict[str, Any] = json.loads(_opened(blob, tuple(settings.TOKEN_KEYS)))
    except InvalidToken:
        raise CredentialsUnreadable(
            "stored credentials cannot be decrypted with the configured CONVENER_TOKEN_KEYS"
        ) from None
    return value


# The worker reads a connection's token for every call it makes, and Fernet's HMAC and
# AES were a few per cent of its CPU: the text of the last blobs read is kept. By blob and
# keys: a refreshed or rotated token is a new blob, a key taken out of the settings
# no longer opens what it opened (nor does a failure get kept: lru_cache keeps no
# exception). The process holds these credentials while it uses them anyway.
@lru_cache(maxsize=256)
def _opened(blob: str, keys: tuple[str, ...]) -> bytes:
    return _fernet(keys).decrypt(blob.encode())


def rotate(blob: str) -> str:
    return fernet().rotate(blob.encode()).decode()
