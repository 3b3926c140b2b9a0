"""Jitsi Meet rooms.

Jitsi has no API: a meeting is a URL, `https://{server}/{room}`. The room name is derived
from the meeting's key with a keyed hash, so it is long and unguessable and a retried
create yields the same room (idempotent without any remote state). Secured servers
(Prosody `authentication = "token"`) need a JWT in the URL; with an app id and secret we
sign one per meeting (HS256), valid until a day after the meeting ends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlsplit

import jwt

from convener.providers.base import Capabilities, MeetingInfo, MeetingSpec, Provider


class JitsiProvider(Provider):
    slug = "jitsi"
    name = "Jitsi Meet"
    capabilities = Capabilities(needs_connection=False, idempotent_create=True)

    def __init__(
        self,
        *,
        server_url: str = "https://meet.jit.si",
        room_salt: str,
        app_id: str = "",
        app_secret: str = "",
    ) -> None:
        if not room_salt:
            raise ValueError("room_salt must not be empty: room names would be guessable")
        self.server_url = server_url.rstrip("/")
        self.room_salt = room_salt.encode()
        self.app_id = app_id
        self.app_secret = app_secret

    def room_name(self, key: str) -> str:
        digest = hmac.new(self.room_salt, key.encode(), hashlib.sha256).digest()
        # 32 base32 characters = 160 bits: not enumerable, still easy to read aloud.
        return "Convener" + base64.b32encode(digest).decode()[:32]

    def _info(self, spec: MeetingSpec) -> MeetingInfo:
        room = self.room_name(spec.key)
        url = f"{self.server_url}/{room}"
        if self.app_id and self.app_secret:
            claims = {
                "iss": self.app_id,
                "aud": "jitsi",
                "sub": urlsplit(self.server_url).hostname or "*",
                "room": room,
                "nbf": int((spec.start - timedelta(hours=1)).timestamp()),
                "exp": int((spec.end + timedelta(days=1)).timestamp()),
                "context": {"user": {"moderator": "false"}},
            }
            url += "?jwt=" + jwt.encode(claims, self.app_secret, algorithm="HS256")
        return MeetingInfo(meeting_id=room, join_url=url, conference_id=room)

    def create(self, spec: MeetingSpec, *, reconcile: bool = False) -> MeetingInfo:
        return self._info(spec)

    def find(self, spec: MeetingSpec) -> str | None:
        """Rooms exist only while people are in them: nothing is left to remove."""
        return None

    def update(self, meeting_id: str, spec: MeetingSpec) -> MeetingInfo:
        # The room stays the same; a new token covers the new time on secured servers.
        return self._info(spec)

    def cancel(self, meeting_id: str) -> None:
        """Nothing to delete: a Jitsi room exists only while people are in it."""
