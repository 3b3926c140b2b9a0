"""What the fake Zoom's parts share: its well-known credentials, Zoom's error texts and
shapes (JSON `{code, message}` for the API, `{reason, error}` for OAuth, sometimes XML),
the behaviour switches, and the users, tokens, grants and meetings it holds."""

from __future__ import annotations

import hashlib
import html
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fakeproviders.harness import Response, update_known_fields

# The fake's well-known credentials (defaults of the constructor).
CLIENT_ID = "fake-zoom-client-id"
CLIENT_SECRET = "fake-zoom-client-secret"
S2S_CLIENT_ID = "fake-zoom-s2s-client-id"
S2S_CLIENT_SECRET = "fake-zoom-s2s-client-secret"
ACCOUNT_ID = "fake-zoom-account-id"

DAILY_MESSAGE = (
    "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00."
)
QPS_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
INVALID_TOKEN = {"reason": "Invalid Token!", "error": "invalid_grant"}
PASSCODE = re.compile(r"[A-Za-z0-9@\-_*]{1,10}")
MARKER = re.compile(r"\[convener:([a-v0-9]+)\]")


@dataclass
class ZoomOptions:
    """Behaviour switches, changed with POST /_fake/options."""

    daily_limit: int = 100  # creates+updates per host per UTC day
    legacy_daily_status: bool = False  # answer the daily cap with HTTP 300, as older docs said
    rate_limit_headers: bool = True  # Retry-After and X-RateLimit-* on 429s (not always sent)
    xml_server_errors: float = 0.5  # share of server errors answered in XML
    xml_errors: bool = False  # every API error in XML
    scope_error_status: int = 400  # HTTP status of the 4700 "does not contain scopes" error
    expires_in: int = 3599
    user_scopes: str = "meeting:write meeting:read user:read"
    s2s_scopes: str = "meeting:write:admin meeting:read:admin user:read:admin"
    reject_scope_param: bool = True  # Zoom refuses `scope` in the authorize URL
    generate_passcode: bool = True  # accounts that require passcodes make one when none is sent

    def update(self, changes: dict[str, Any]) -> None:
        update_known_fields(self, changes, "option")


@dataclass
class FakeUser:
    id: str
    email: str
    first_name: str
    last_name: str
    type: int = 2  # licensed
    status: str = "active"
    can_host: bool = True

    def public(self, account_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "display_name": f"{self.first_name} {self.last_name}".strip(),
            "email": self.email,
            # A user without a Meetings license shows as type 4 (cannot host).
            "type": self.type if self.can_host else 4,
            "status": self.status,
            "account_id": account_id,
            "timezone": "UTC",
            "role_name": "Member",
        }


@dataclass
class AccessToken:
    email: str | None  # None: a Server-to-Server token, for the whole account
    scopes: frozenset[str]
    expires_at: datetime


@dataclass
class Grant:
    """An authorization code or a refresh token (both are for one user)."""

    email: str
    scopes: frozenset[str]
    alive: bool = True
    redirect_uri: str = ""
    challenge: str = ""
    challenge_method: str = ""
    expires_at: datetime | None = None


@dataclass
class FakeMeeting:
    id: int
    uuid: str
    host: FakeUser
    topic: str
    start_time: str
    duration: int
    timezone: str
    agenda: str
    password: str
    created_at: str
    settings: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False

    def public(self, base_url: str, *, full: bool) -> dict[str, Any]:
        """As the API shows it: in a list (not `full`), or alone and just made (`full`)."""
        pwd = hashlib.sha256(f"{self.id}:{self.password}".encode()).hexdigest()[:32]
        join_url = f"{base_url}/j/{self.id}" + (f"?pwd={pwd}" if self.password else "")
        view: dict[str, Any] = {
            "uuid": self.uuid,
            "id": self.id,
            "host_id": self.host.id,
            "topic": self.topic,
            "type": 2,
            "start_time": self.start_time,
            "duration": self.duration,
            "timezone": self.timezone,
            "agenda": self.agenda,
            "created_at": self.created_at,
            "join_url": join_url,
        }
        if full:
            view.update(
                host_email=self.host.email,
                status="waiting",
                # The host's link; Zoom's expires after 2 hours. Clients must not keep it.
                start_url=f"{base_url}/s/{self.id}?zak={secrets.token_urlsafe(16)}",
                password=self.password,
                h323_password=self.password,
                pstn_password=self.password,
                encrypted_password=pwd,
                pre_schedule=False,
                settings={
                    "host_video": False,
                    "participant_video": False,
                    "join_before_host": False,
                    "waiting_room": False,
                    **self.settings,
                    "global_dial_in_numbers": [
                        {
                            "country": "US",
                            "country_name": "US",
                            "city": "New York",
                            "number": "+1 646 558 8656",
                            "type": "toll",
                        }
                    ],
                },
            )
        return view


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def xml_error(status: int, code: int, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<error><code>{code}</code><message>{html.escape(message)}</message></error>"
    )
    return Response(status, body.encode(), {"Content-Type": "application/xml;charset=UTF-8"})


def api_error(
    status: int,
    code: int,
    message: str,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    *,
    xml: bool = False,
) -> Response:
    """An API error as Zoom answers it: `{code, message[, errors]}`, or XML when `xml`."""
    if xml:
        response = xml_error(status, code, message)
        response.headers.update(headers or {})
        return response
    payload: dict[str, Any] = {"code": code, "message": message}
    if errors:
        payload["errors"] = errors
    return Response.json(status, payload, headers)


def token_error(status: int, reason: str, error: str) -> Response:
    """An OAuth error: Zoom's token endpoint says `{reason, error}`, never `{code, message}`."""
    return Response.json(status, {"reason": reason, "error": error})
