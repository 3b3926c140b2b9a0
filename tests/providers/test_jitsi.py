"""Jitsi rooms: unguessable, stable per meeting, signed for secured servers."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import jwt

from convener.providers.base import MeetingSpec
from convener.providers.jitsi.provider import JitsiProvider
from tests.dates import winter_day

START = datetime.combine(winter_day(), time(9, 0), tzinfo=UTC)


def spec(key: str = "0123456789abcdefghijklmnop") -> MeetingSpec:
    return MeetingSpec(
        key=key, title="T", start=START, end=START + timedelta(minutes=30), timezone="UTC"
    )


def test_a_retry_of_the_same_meeting_gets_the_same_room() -> None:
    provider = JitsiProvider(room_salt="s")
    assert provider.create(spec()).join_url == provider.create(spec(), reconcile=True).join_url


def test_rooms_are_long_distinct_and_not_derived_from_the_key_alone() -> None:
    one = JitsiProvider(room_salt="install-a").create(spec()).meeting_id
    other_install = JitsiProvider(room_salt="install-b").create(spec()).meeting_id
    other_meeting = JitsiProvider(room_salt="install-a").create(spec("v" * 26)).meeting_id
    assert len(one) >= 40
    assert len({one, other_install, other_meeting}) == 3
    assert spec().key not in one


def test_the_server_url_is_configurable() -> None:
    info = JitsiProvider(server_url="https://jitsi.example.com/", room_salt="s").create(spec())
    assert info.join_url.startswith("https://jitsi.example.com/Convener")


def test_a_secured_server_gets_a_signed_token_for_that_room() -> None:
    provider = JitsiProvider(
        server_url="https://jitsi.example.com",
        room_salt="s",
        app_id="convener",
        app_secret="k" * 32,
    )
    info = provider.create(spec())
    url, _, token = info.join_url.partition("?jwt=")
    # Valid from an hour before the meeting (so not yet, today) until a day after it.
    claims = jwt.decode(
        token,
        "k" * 32,
        algorithms=["HS256"],
        audience="jitsi",
        options={"verify_nbf": False, "verify_exp": False},
    )
    assert claims["nbf"] == int((START - timedelta(hours=1)).timestamp())
    assert claims["room"] == url.rsplit("/", 1)[1]
    assert claims["iss"] == "convener" and claims["sub"] == "jitsi.example.com"
    assert claims["exp"] > int((START + timedelta(minutes=30)).timestamp())


def test_cancel_needs_no_call() -> None:
    JitsiProvider(room_salt="s").cancel("anything")
