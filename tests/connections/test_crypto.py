"""Credentials at rest: what a read gives back, and what a key taken out still opens."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings

from convener.connections import crypto

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_each_read_gives_its_own_copy() -> None:
    with override_settings(TOKEN_KEYS=[NEW]):
        blob = crypto.encrypt({"access_token": "tok-1", "scopes": ["calendar"]})
        first = crypto.decrypt(blob)
        first["access_token"] = "changed by a caller"
        first["scopes"].append("mail")
        assert crypto.decrypt(blob) == {"access_token": "tok-1", "scopes": ["calendar"]}


def test_a_key_taken_out_of_the_settings_no_longer_opens_what_it_opened() -> None:
    with override_settings(TOKEN_KEYS=[OLD]):
        blob = crypto.encrypt({"access_token": "tok-old"})
        assert crypto.decrypt(blob) == {"access_token": "tok-old"}  # read once
    with override_settings(TOKEN_KEYS=[NEW, OLD]):  # rotation under way
        assert crypto.decrypt(blob) == {"access_token": "tok-old"}
        rotated = crypto.rotate(blob)
    with override_settings(TOKEN_KEYS=[NEW]):  # the old key removed
        assert crypto.decrypt(rotated) == {"access_token": "tok-old"}
        with pytest.raises(crypto.CredentialsUnreadable, match="CONVENER_TOKEN_KEYS"):
            crypto.decrypt(blob)


def test_an_empty_blob_is_no_credentials() -> None:
    assert crypto.decrypt("") == {}
