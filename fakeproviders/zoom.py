"""A fake Zoom (OAuth at /oauth/*, API v2 at /v2/*) on one address, traps included.

Convener's OAuth and API URL settings both point at it (`convener_settings`). It
reproduces what makes real Zoom clients fail:

- refresh tokens rotate and the previous one dies at once: a second use gets
  400 {"reason": "Invalid Token!", "error": "invalid_grant"};
- Server-to-Server (`account_credentials`) tokens have no refresh token, several coexist,
  and they cannot use `/users/me`;
- the authorize endpoint refuses a `scope` parameter, as Zoom has since 2021;
- expired or unknown access tokens get 401 {"code": 124}; missing scopes {"code": 4700};
- PATCH answers 204 with no body; creates carry no idempotency key;
- 100 creates+updates per host per UTC day (by the fake's clock, which tests can move),
  answered with Zoom's exact message, `Retry-After: <next midnight>Z` and
  `X-RateLimit-Type: Daily-limit` (optionally the older HTTP 300);
- the per-second 429, and server errors in XML as often as configured.

Control routes besides the harness's: POST /_fake/revoke {"email"}, POST
/_fake/expire-access-tokens, GET/POST /_fake/clock {"now": ISO | "offset_seconds" |
"advance_seconds"}, GET/POST /_fake/options {ZoomOptions fields}, POST /_fake/users
{"email", "can_host", "status", "type", "first_name", "last_name"}.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import secrets
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fakeproviders.harness import FakeProvider, Request, Response, route
from fakeproviders.zoom_model import (
    ACCOUNT_ID,
    CLIENT_ID,
    CLIENT_SECRET,
    DAILY_MESSAGE,
    MARKER,
    PASSCODE,
    QPS_MESSAGE,
    S2S_CLIENT_ID,
    S2S_CLIENT_SECRET,
    AccessToken,
    FakeMeeting,
    FakeUser,
    Grant,
    ZoomOptions,
    api_error,
    iso,
    xml_error,
)
from fakeproviders.zoom_oauth import ZoomOAuth

# The well-known credentials and texts tests compare against, importable from here.
__all__ = [
    "ACCOUNT_ID",
    "CLIENT_ID",
    "CLIENT_SECRET",
    "DAILY_MESSAGE",
    "S2S_CLIENT_ID",
    "S2S_CLIENT_SECRET",
    "FakeZoom",
]


class FakeZoom(ZoomOAuth, FakeProvider):
    name = "zoom"

    def __init__(
        self,
        *,
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
        s2s_client_id: str = S2S_CLIENT_ID,
        s2s_client_secret: str = S2S_CLIENT_SECRET,
        account_id: str = ACCOUNT_ID,
        default_email: str = "alice@example.com",
        users: tuple[str, ...] = ("alice@example.com", "bob@example.com", "carol@example.com"),
        redirect_uris: tuple[str, ...] = (),  # empty: any http(s) URL is registered
        expires_in: int = 3599,
        daily_limit: int = 100,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.s2s_client_id = s2s_client_id
        self.s2s_client_secret = s2s_client_secret
        self.account_id = account_id
        self.default_email = default_email
        self.initial_users = users
        self.redirect_uris = redirect_uris
        self.initial_options = ZoomOptions(expires_in=expires_in, daily_limit=daily_limit)
        super().__init__()

    # -- state -----------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.options = ZoomOptions(**asdict(self.initial_options))
            self.clock_offset = 0.0
            self.users: dict[str, FakeUser] = {}
            for email in self.initial_users:
                self.add_user(email)
            self.access_tokens: dict[str, AccessToken] = {}
            self.codes: dict[str, Grant] = {}
            self.refresh_tokens: dict[str, Grant] = {}
            self.meetings: dict[int, FakeMeeting] = {}
            self.page_tokens: dict[str, tuple[str, str, int]] = {}
            self.daily_writes: Counter[tuple[str, str]] = Counter()
            self.grants: Counter[str] = Counter()
            self._next_id = 0

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset)

    def add_user(self, email: str, **changes: Any) -> FakeUser:
        with self.lock:
            user = self.users.get(email.lower())
            if user is None:
                local = email.split("@")[0]
                user = FakeUser(
                    id=hashlib.sha256(email.lower().encode()).hexdigest()[:22],
                    email=email.lower(),
                    first_name=local.capitalize(),
                    last_name="Example",
                )
                self.users[user.email] = user
            for name, value in changes.items():
                setattr(user, name, value)
            return user

    def add_meeting(
        self,
        host_email: str,
        *,
        topic: str = "Zoom Meeting",
        start_time: str | None = None,
        duration: int = 60,
        timezone: str = "UTC",
        agenda: str = "",
        password: str = "",
        settings: dict[str, Any] | None = None,
    ) -> FakeMeeting:
        """Store a meeting (create uses it; tests use it to seed many, without counting)."""
        with self.lock:
            self._next_id += 1
            meeting_id = 81_000_000_000 + self._next_id * 7_919  # 11 digits, like Zoom's
            digest = hashlib.sha256(str(meeting_id).encode()).digest()[:16]
            if not password and self.options.generate_passcode:
                password = f"{int.from_bytes(digest[:4], 'big') % 10**6:06d}"
            meeting = FakeMeeting(
                id=meeting_id,
                uuid=base64.b64encode(digest).decode(),
                host=self.users[host_email.lower()],
                topic=topic,
                start_time=start_time or iso(self.now() + timedelta(days=1)),
                duration=duration,
                timezone=timezone,
                agenda=agenda,
                password=password,
                created_at=iso(self.now()),
                settings=dict(settings or {}),
            )
            self.meetings[meeting_id] = meeting
            return meeting

    def state(self) -> dict[str, Any]:
        with self.lock:
            live: Counter[str] = Counter()
            meetings = []
            for m in self.meetings.values():
                key = MARKER.search(m.agenda)
                if key and not m.deleted:
                    live[key.group(1)] += 1
                meetings.append(
                    {
                        "id": m.id,
                        "uuid": m.uuid,
                        "host_email": m.host.email,
                        "topic": m.topic,
                        "start_time": m.start_time,
                        "duration": m.duration,
                        "timezone": m.timezone,
                        "agenda": m.agenda,
                        "key": key.group(1) if key else None,
                        "password": m.password,
                        "settings": m.settings,
                        "deleted": m.deleted,
                    }
                )
            writes: dict[str, dict[str, int]] = {}
            for (email, day), count in self.daily_writes.items():
                writes.setdefault(email, {})[day] = count
            now = self.now()
            return {
                "meetings": meetings,
                "live_meetings_by_key": dict(live),
                "users": [u.public(self.account_id) for u in self.users.values()],
                "daily_writes": writes,
                "refreshes": self.grants["refresh_token"],
                "grants": dict(self.grants),
                "access_tokens_valid": sum(t.expires_at > now for t in self.access_tokens.values()),
                "refresh_tokens_alive": dict(
                    Counter(g.email for g in self.refresh_tokens.values() if g.alive)
                ),
                "clock": now.isoformat(),
                "options": asdict(self.options),
            }

    # -- harness hooks ---------------------------------------------------------------
    def convener_settings(self) -> dict[str, str]:
        # OAuth (/oauth/*) and the API (/v2/*) share the one address. The Server-to-Server
        # app's credentials are not settings: an administrator enters them in Convener.
        return {
            "CONVENER_ZOOM_OAUTH_URL": self.base_url,
            "CONVENER_ZOOM_API_URL": self.base_url,
            "CONVENER_ZOOM_CLIENT_ID": self.client_id,
            "CONVENER_ZOOM_CLIENT_SECRET": self.client_secret,
        }

    def account_of(self, request: Request) -> str | None:
        if not request.path.startswith("/v2/"):
            return None
        token = self.access_tokens.get(request.bearer() or "")
        if token is None:
            return request.bearer()
        return token.email or f"account:{self.account_id}"

    def rate_limited(self, request: Request, retry_after: float) -> Response:
        headers = {}
        if self.options.rate_limit_headers:
            headers = {
                "Retry-After": str(max(1, math.ceil(retry_after))),
                "X-RateLimit-Type": "QPS",
                "X-RateLimit-Category": "Medium" if request.method == "POST" else "Light",
            }
        return Response.json(429, {"code": 429, "message": QPS_MESSAGE}, headers)

    def server_error(self, request: Request) -> Response:
        if self.options.xml_errors or self.chance(self.options.xml_server_errors):
            return xml_error(500, 500, "Internal Error. Please try again later.")
        return Response.json(
            500, {"code": 500, "message": "Internal Error. Please try again later."}
        )

    def control(self, request: Request) -> Response | None:
        action = request.path.removeprefix("/_fake/")
        try:
            if action == "revoke" and request.method == "POST":
                return self._revoke(str((request.json() or {}).get("email", "")))
            if action == "expire-access-tokens" and request.method == "POST":
                with self.lock:
                    past = self.now() - timedelta(seconds=1)
                    for token in self.access_tokens.values():
                        token.expires_at = min(token.expires_at, past)
                    return Response.json(200, {"expired": len(self.access_tokens)})
            if action == "clock":
                return self._clock(request)
            if action == "options":
                with self.lock:
                    if request.method == "POST":
                        self.options.update(request.json() or {})
                    return Response.json(200, asdict(self.options))
            if action == "users" and request.method == "POST":
                body = dict(request.json() or {})
                user = self.add_user(str(body.pop("email")), **body)
                return Response.json(200, user.public(self.account_id))
        except (ValueError, TypeError, KeyError) as exc:
            return Response.json(400, {"error": str(exc)})
        return super().control(request)

    def _clock(self, request: Request) -> Response:
        with self.lock:
            if request.method == "POST":
                body = request.json() or {}
                if "now" in body:
                    wanted = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
                    if wanted.tzinfo is None:
                        wanted = wanted.replace(tzinfo=UTC)
                    self.clock_offset = (wanted - datetime.now(UTC)).total_seconds()
                if "offset_seconds" in body:
                    self.clock_offset = float(body["offset_seconds"])
                if "advance_seconds" in body:
                    self.clock_offset += float(body["advance_seconds"])
            return Response.json(
                200, {"now": self.now().isoformat(), "offset_seconds": self.clock_offset}
            )

    # -- error shapes ----------------------------------------------------------------
    def _error(
        self,
        status: int,
        code: int,
        message: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return api_error(status, code, message, errors, headers, xml=self.options.xml_errors)

    def _invalid(self, errors: list[dict[str, str]]) -> Response:
        return self._error(400, 300, "Validation Failed.", errors)

    # -- API helpers -----------------------------------------------------------------
    def _caller(self, request: Request, scope: str) -> AccessToken | Response:
        token = self.access_tokens.get(request.bearer() or "")
        if token is None:
            return self._error(401, 124, "Invalid access token.")
        if token.expires_at <= self.now():
            return self._error(401, 124, "Access token is expired.")
        if scope not in token.scopes and f"{scope}:admin" not in token.scopes:
            wanted = f"{scope}, {scope}:admin"
            return self._error(
                self.options.scope_error_status,
                4700,
                f"Invalid access token, does not contain scopes:[{wanted}].",
            )
        return token

    def _user(self, caller: AccessToken, user_id: str) -> FakeUser | Response:
        user_id = unquote(user_id)  # an email with "+" arrives percent-encoded
        if user_id == "me":
            if caller.email is None:
                return self._error(
                    400,
                    300,
                    "The 'me' user id is only for user-level apps; Server-to-Server apps "
                    "must use the user's id or email.",
                )
            return self.users[caller.email]
        user = self.users.get(user_id.lower()) or next(
            (u for u in self.users.values() if u.id == user_id), None
        )
        if user is None:
            return self._error(404, 1001, f"User does not exist: {user_id}.")
        if caller.email is not None and caller.email != user.email:
            return self._error(400, 200, "No permission.")
        return user

    def _meeting(self, caller: AccessToken, meeting_id: str) -> FakeMeeting | Response:
        meeting = self.meetings.get(int(meeting_id)) if meeting_id.isdigit() else None
        if (
            meeting is None
            or meeting.deleted
            or (caller.email is not None and caller.email != meeting.host.email)
        ):
            return self._error(404, 3001, f"Meeting {meeting_id} is not found or has expired.")
        return meeting

    def _count_write(self, host: FakeUser) -> Response | None:
        """The per-host daily cap on creates+updates, reset at 00:00 UTC (fake clock)."""
        now = self.now()
        key = (host.email, now.date().isoformat())
        limit = self.options.daily_limit
        if self.daily_writes[key] >= limit:
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
            headers = {}
            if self.options.rate_limit_headers:
                headers = {
                    "Retry-After": iso(midnight),
                    "X-RateLimit-Type": "Daily-limit",
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": "0",
                }
            status = 300 if self.options.legacy_daily_status else 429
            return self._error(status, 429, DAILY_MESSAGE.format(limit=limit), headers=headers)
        self.daily_writes[key] += 1
        return None

    def _fields(self, body: Any, meeting: FakeMeeting | None) -> dict[str, Any] | Response:
        """Validate a create (meeting None) or update body; return the fields to set."""
        if not isinstance(body, dict):
            return self._error(400, 300, "Request Body should be a valid JSON object.")
        errors: list[dict[str, str]] = []
        out: dict[str, Any] = {}

        def bad(name: str, message: str) -> None:
            errors.append({"field": name, "message": message})

        if "topic" in body:
            if not isinstance(body["topic"], str) or len(body["topic"]) > 200:
                bad("topic", "Topic must be a string of at most 200 characters.")
            out["topic"] = body["topic"]
        if "agenda" in body:
            if not isinstance(body["agenda"], str) or len(body["agenda"]) > 2000:
                bad("agenda", "Agenda must be a string of at most 2000 characters.")
            out["agenda"] = body["agenda"]
        if "type" in body and body["type"] not in (1, 2, 3, 8):
            bad("type", "Invalid meeting type.")
        zone_name = body.get("timezone", meeting.timezone if meeting else "UTC")
        try:
            zone = ZoneInfo(str(zone_name))
            out["timezone"] = str(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            bad("timezone", f"Invalid timezone: {zone_name}")
            zone = ZoneInfo("UTC")
        if "start_time" in body or meeting is None:
            try:
                text = str(body["start_time"])
                start = datetime.fromisoformat(text.replace("Z", "+00:00"))
                if not text.endswith("Z"):  # without Z it is local time in `timezone`
                    start = start.replace(tzinfo=zone)
                out["start_time"] = iso(start)
            except (KeyError, ValueError):
                bad("start_time", "Invalid start_time: use yyyy-MM-ddTHH:mm:ssZ.")
        if "duration" in body:
            if not isinstance(body["duration"], int) or not 0 < body["duration"] <= 1440:
                bad("duration", "Duration must be a whole number of minutes.")
            out["duration"] = body["duration"]
        if "password" in body:
            if not isinstance(body["password"], str) or not PASSCODE.fullmatch(body["password"]):
                bad("password", "Password may only contain [a-zA-Z0-9@-_*], at most 10.")
            out["password"] = body["password"]
        if isinstance(body.get("settings"), dict):
            out["settings"] = body["settings"]
        return self._invalid(errors) if errors else out

    # -- API -------------------------------------------------------------------------
    @route("GET", "/v2/users/(?P<user_id>[^/]+)")
    def get_user(self, request: Request, user_id: str) -> Response:
        with self.lock:
            caller = self._caller(request, "user:read")
            if isinstance(caller, Response):
                return caller
            user = self._user(caller, user_id)
            if isinstance(user, Response):
                return user
            return Response.json(200, user.public(self.account_id))

    @route("POST", "/v2/users/(?P<user_id>[^/]+)/meetings")
    def create_meeting(self, request: Request, user_id: str) -> Response:
        with self.lock:
            caller = self._caller(request, "meeting:write")
            if isinstance(caller, Response):
                return caller
            host = self._user(caller, user_id)
            if isinstance(host, Response):
                return host
            if not host.can_host or host.status != "active":
                return self._error(
                    400,
                    3161,
                    "Your user account is not allowed meeting hosting and scheduling capabilities.",
                )
            try:
                body = request.json()
            except ValueError:
                body = None
            values = self._fields(body, None)
            if isinstance(values, Response):
                return values
            over = self._count_write(host)
            if over is not None:
                return over
            meeting = self.add_meeting(host.email, **values)
            return Response.json(
                201,
                meeting.public(self.base_url, full=True),
                {"Content-Location": f"{self.base_url}/v2/meetings/{meeting.id}"},
            )

    @route("GET", "/v2/users/(?P<user_id>[^/]+)/meetings")
    def list_meetings(self, request: Request, user_id: str) -> Response:
        with self.lock:
            caller = self._caller(request, "meeting:read")
            if isinstance(caller, Response):
                return caller
            host = self._user(caller, user_id)
            if isinstance(host, Response):
                return host
            kind = request.query.get("type", "scheduled")
            try:
                size = min(300, max(1, int(request.query.get("page_size", "30"))))
            except ValueError:
                return self._invalid([{"field": "page_size", "message": "Invalid page_size."}])
            offset = 0
            token = request.query.get("next_page_token", "")
            if token:
                saved = self.page_tokens.get(token)
                if saved is None or saved[:2] != (host.email, kind):
                    return self._error(400, 300, "Invalid next_page_token.")
                offset = saved[2]
            now = self.now()

            def keep(m: FakeMeeting) -> bool:
                start = datetime.fromisoformat(m.start_time.replace("Z", "+00:00"))
                end = start + timedelta(minutes=m.duration)
                if kind in ("upcoming", "upcoming_meetings"):
                    return end > now
                if kind == "live":
                    return start <= now < end
                if kind == "previous_meetings":
                    return end <= now
                return True

            mine = sorted(
                (m for m in self.meetings.values() if m.host is host and not m.deleted and keep(m)),
                key=lambda m: (m.start_time, m.id),
            )
            page = mine[offset : offset + size]
            next_token = ""
            if offset + size < len(mine):
                next_token = secrets.token_urlsafe(24)
                self.page_tokens[next_token] = (host.email, kind, offset + size)
            return Response.json(
                200,
                {
                    "page_size": size,
                    "total_records": len(mine),
                    "next_page_token": next_token,
                    "meetings": [m.public(self.base_url, full=False) for m in page],
                },
            )

    @route("GET", "/v2/meetings/(?P<meeting_id>[^/]+)")
    def get_meeting(self, request: Request, meeting_id: str) -> Response:
        with self.lock:
            caller = self._caller(request, "meeting:read")
            if isinstance(caller, Response):
                return caller
            meeting = self._meeting(caller, meeting_id)
            if isinstance(meeting, Response):
                return meeting
            return Response.json(200, meeting.public(self.base_url, full=True))

    @route("PATCH", "/v2/meetings/(?P<meeting_id>[^/]+)")
    def update_meeting(self, request: Request, meeting_id: str) -> Response:
        with self.lock:
            caller = self._caller(request, "meeting:write")
            if isinstance(caller, Response):
                return caller
            meeting = self._meeting(caller, meeting_id)
            if isinstance(meeting, Response):
                return meeting
            try:
                body = request.json()
            except ValueError:
                body = None
            values = self._fields(body, meeting)
            if isinstance(values, Response):
                return values
            over = self._count_write(meeting.host)
            if over is not None:
                return over
            settings = values.pop("settings", {})
            for name, value in values.items():
                setattr(meeting, name, value)
            meeting.settings.update(settings)
            return Response.empty(204)  # Zoom says nothing more: GET it to see the result

    @route("DELETE", "/v2/meetings/(?P<meeting_id>[^/]+)")
    def delete_meeting(self, request: Request, meeting_id: str) -> Response:
        with self.lock:
            caller = self._caller(request, "meeting:write")
            if isinstance(caller, Response):
                return caller
            meeting = self._meeting(caller, meeting_id)
            if isinstance(meeting, Response):
                return meeting
            meeting.deleted = True  # deletes do not count toward the daily cap
            return Response.empty(204)

    @route("GET", "/j/(?P<meeting_id>[0-9]+)")
    def join_page(self, request: Request, meeting_id: str) -> Response:
        """What a join link opens, so browser tests can follow one."""
        with self.lock:
            meeting = self.meetings.get(int(meeting_id))
            if meeting is None or meeting.deleted:
                return Response.html(
                    404, "<title>Fake Zoom</title><p>This meeting link is invalid.</p>"
                )
            title = html.escape(meeting.topic)
            return Response.html(
                200, f"<title>Fake Zoom - {title}</title><h1>{title}</h1><p>{meeting.id}</p>"
            )
