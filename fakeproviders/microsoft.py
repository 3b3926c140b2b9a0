"""A fake Microsoft identity platform + Graph (calendar events with Teams links).

Paths are the real ones under one base URL, so a client configured with login URL and
Graph URL both set to this server behaves as in production:

    GET/POST /{tenant}/oauth2/v2.0/authorize   consent page (email field, Allow / Deny)
    POST     /{tenant}/oauth2/v2.0/token       authorization_code, refresh_token,
                                               client_credentials
    /v1.0/me, /v1.0/users/{id|upn}             user, calendar, events (create, get, patch,
                                               delete, cancel), calendarView, getSchedule,
                                               onlineMeetings (the Teams policy probe)

The traps of the real service, reproduced:

- /me with an app-only token: 400 "/me request is only valid with delegated
  authentication flow."
- Refresh tokens rotate on every use and the old one STAYS VALID (unlike Zoom); they exist
  only when offline_access was granted; revoked ones fail with the AADSTS700082 shape.
- Personal accounts (addresses at outlook.com, hotmail.com, live.com, msn.com, or marked
  through /_fake/users) have a 16-hex-digit id, no mail, no teamsForBusiness among their
  calendar's providers, and an event asking for a Teams meeting is made WITHOUT one (201,
  isOnlineMeeting false, onlineMeeting null), as Graph silently does.
- App-only access without a Teams application access policy for the user: 403
  Unauthorized "App … is not authorized to Create meeting on behalf of user …" on the
  onlineMeetings API, and on events asking for a Teams meeting unless the setting
  app_only_events_need_policy is off (whether Exchange needs the policy there is
  unverified, so the fake errs on the strict side).
- 429 with fractional Retry-After ("2.128"), codes TooManyRequests or ApplicationThrottled;
  expired access tokens: 401 InvalidAuthenticationToken.
- A repeated transactionId returns the original event (201, no second event); with the
  setting duplicate_transaction = "conflict" it answers 409 instead (unverified either way).
- A PATCH whose body lacks the Teams join block drops the online meeting (isOnlineMeeting
  false, no link); a later PATCH with isOnlineMeeting true makes a new one, new link.
- Cancel answers 202 with no body; a non-organizer gets 400 ("You need to be an organizer
  to cancel a meeting."), and so does an event without attendees when the setting
  cancel_requires_attendees is on. Cancelled and deleted events are then not found (404).
- getSchedule: availabilityView digits and scheduleItems; unknown mailboxes get a
  per-schedule `error` inside the 200.
- Settings: link_delay_reads (the Teams link shows up only after N reads of the event),
  rejected_zones (zone names answered with TimeZoneNotSupportedException).

Control routes besides the harness's (all POST, JSON):
    /_fake/revoke {"email"}            revoke the user's refresh tokens (invalid_grant)
    /_fake/expire-access-tokens        every access token answers 401 from now on
    /_fake/users {"email", "name", "personal", "teams_policy", "teams"}   add or change
        a user ("teams": false is a work account without a Teams license)
    /_fake/teams-policy {"email", "granted"} or {"global"}        the Teams access policy
    /_fake/throttle {"count", "retry_after", "code"}   the next N Graph calls answer 429
    /_fake/busy {"email", "start", "end", "status", "subject", "organizer"}   an event
        that is not ours (a busy block; with another organizer, someone else's meeting)
    /_fake/settings {name: value}      the behaviour switches listed above
"""

from __future__ import annotations

import base64
import html
import random
import re
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fakeproviders.harness import FakeProvider, Request, Response, route
from fakeproviders.microsoft_identity import MicrosoftIdentity
from fakeproviders.microsoft_model import (
    EVENT,
    PERSONAL_DOMAINS,
    SETTINGS,
    STATUS_DIGITS,
    STATUS_RANK,
    WHO,
    WINDOWS_ZONES,
    Event,
    Grant,
    Refusal,
    Token,
    User,
    attendee,
    graph_error,
    handler,
    refuse,
    stamp,
    wall,
)


class FakeMicrosoft(MicrosoftIdentity, FakeProvider):
    name: ClassVar[str] = "microsoft"

    def __init__(
        self,
        *,
        client_id: str = "fake-microsoft-client-id",
        client_secret: str = "fake-microsoft-client-secret",  # noqa: S107
        tenant_id: str = "5f6d2c1a-8b3e-4f70-9a1d-2c3b4a5d6e7f",
        default_email: str = "alice@example.com",
        directory: tuple[str, ...] = ("alice@example.com", "bob@example.com", "carol@example.com"),
        expires_in: int = 3599,
        redirect_uris: tuple[str, ...] = (),  # empty: any http(s) URL counts as registered
        personal_domains: tuple[str, ...] = PERSONAL_DOMAINS,
        require_pkce: bool = True,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.tenant_id = tenant_id
        self.default_email = default_email
        self.directory = directory
        self.expires_in = expires_in
        self.redirect_uris = redirect_uris
        self.personal_domains = tuple(d.lower() for d in personal_domains)
        self.require_pkce = require_pkce
        self._ids = random.Random()
        super().__init__()

    # -- state ---------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.users: dict[str, User] = {}
            self.grants: dict[str, Grant] = {}
            self.access_tokens: dict[str, Token] = {}
            self.refresh_tokens: dict[str, Token] = {}
            self.events: dict[str, Event] = {}
            self.token_grants: Counter[str] = Counter()
            self.dedupe_hits = 0
            self.global_teams_policy = False
            self.throttle: dict[str, Any] = {"count": 0, "retry_after": "2.128", "code": ""}
            self.settings = dict(SETTINGS)
            for email in self.directory:
                self._user(email)

    def state(self) -> dict[str, Any]:
        with self.lock:
            events: dict[str, list[dict[str, Any]]] = {user: [] for user in self.users}
            for event in self.events.values():
                events.setdefault(event.mailbox, []).append(self._summary(event))
            users = {
                u.email: {
                    "id": u.id,
                    "personal": u.personal,
                    "teams": u.teams,
                    "teams_policy": u.teams_policy,
                }
                for u in self.users.values()
            }
            return {
                "tenant_id": self.tenant_id,
                "users": users,
                "global_teams_policy": self.global_teams_policy,
                "events": events,
                "token_grants": dict(self.token_grants),
                "refresh_tokens": len(self.refresh_tokens),
                "dedupe_hits": self.dedupe_hits,
                "settings": dict(self.settings),
            }

    def _summary(self, event: Event) -> dict[str, Any]:
        f = event.fields
        return {
            "id": event.id,
            "transactionId": f["transactionId"],
            "subject": f["subject"],
            "start": stamp(event.start),
            "end": stamp(event.end),
            "timeZone": event.zone,
            "isOnlineMeeting": f["isOnlineMeeting"],
            "joinUrl": (f["onlineMeeting"] or {}).get("joinUrl"),
            "attendees": [a["emailAddress"]["address"] for a in f["attendees"]],
            "location": (f.get("location") or {}).get("displayName", ""),
            "body": f["body"]["content"],
            "isOrganizer": f["isOrganizer"],
            "showAs": f["showAs"],
            "deleted": event.deleted,
            "cancelled": event.cancelled,
            "history": list(event.history),
        }

    def _random_text(self, size: int) -> str:
        with self.lock:
            raw = self._ids.getrandbits(size * 8).to_bytes(size, "big")
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _user(self, email: str, *, personal: bool | None = None, name: str = "") -> User:
        key = email.strip().lower()
        if key not in self.users:
            if personal is None:
                personal = key.rpartition("@")[2] in self.personal_domains
            with self.lock:
                bits = self._ids.getrandbits(128)
            # Work and school ids are GUIDs; personal accounts have a 16-hex-digit CID.
            user_id = f"{bits >> 64:016x}" if personal else str(uuid.UUID(int=bits, version=4))
            display = name or key.partition("@")[0].replace(".", " ").title()
            self.users[key] = User(user_id, email.strip(), display, personal)
        return self.users[key]

    def _find_user(self, ref: str) -> User | None:
        ref = unquote(ref).strip().lower()
        found = self.users.get(ref)
        return found or next((u for u in self.users.values() if u.id.lower() == ref), None)

    # -- harness hooks -------------------------------------------------------------------
    def convener_settings(self) -> dict[str, str]:
        # Identity platform and Graph share the one address; paths are the real ones.
        return {
            "CONVENER_MICROSOFT_LOGIN_URL": self.base_url,
            "CONVENER_MICROSOFT_GRAPH_URL": self.base_url,
            "CONVENER_MICROSOFT_CLIENT_ID": self.client_id,
            "CONVENER_MICROSOFT_CLIENT_SECRET": self.client_secret,
        }

    def account_of(self, request: Request) -> str | None:
        bearer = request.bearer()
        if bearer is None:
            return None
        with self.lock:
            token = self.access_tokens.get(bearer)
        if token is None:
            return bearer
        if token.email is not None:
            return token.email.lower()
        # Outlook's limits are per app and mailbox: app-only calls count per named user.
        match = re.match(r"^/v1\.0/users/([^/]+)", request.path)
        return "app:" + (unquote(match.group(1)).lower() if match else "")

    def rate_limited(self, request: Request, retry_after: float) -> Response:
        with self.lock:
            code = self.throttle["code"] or "TooManyRequests"
        return graph_error(code, {"Retry-After": f"{max(retry_after, 0.001):.3f}"})

    def server_error(self, request: Request) -> Response:
        if "/oauth2/" in request.path:
            return self._aad(503, 90033)
        return graph_error("unavailable")

    def not_found(self, request: Request) -> Response:
        if request.path.startswith("/v1.0/"):
            return graph_error("segment", segment=request.path.rstrip("/").rpartition("/")[2])
        return Response.json(404, {"error": f"no route for {request.method} {request.path}"})

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/v1.0/"):
            with self.lock:
                forced = self.throttle["count"] > 0
                if forced:
                    self.throttle["count"] -= 1
            if forced:
                response = self.rate_limited(request, 0)
                response.headers["Retry-After"] = str(self.throttle["retry_after"])
                return self._count(request, "forced_throttle", response)
        return super().dispatch(request)

    # -- control routes ------------------------------------------------------------------
    def control(self, request: Request) -> Response | None:
        action = request.path.removeprefix("/_fake/").replace("-", "_")
        mine = getattr(self, f"_control_{action}", None)
        if not request.path.startswith("/_fake/") or request.method != "POST" or mine is None:
            response = super().control(request)
            seeded = action == "faults" and request.method == "POST"
            if seeded and self.faults.seed is not None:  # ids and tokens repeat too
                with self.lock:
                    self._ids.seed(self.faults.seed)
            return response
        try:
            payload = request.json() or {}
            with self.lock:
                result: Response = mine(payload)
                return result
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return Response.json(400, {"error": f"bad control request: {exc!r}"})

    def _control_revoke(self, payload: dict[str, Any]) -> Response:
        email = str(payload["email"]).lower()
        mine = [t for t in self.refresh_tokens.values() if (t.email or "").lower() == email]
        for token in mine:
            token.revoked = True
        return Response.json(200, {"revoked": len(mine)})

    def _control_expire_access_tokens(self, payload: dict[str, Any]) -> Response:
        for token in self.access_tokens.values():
            token.expires_at = 0.0
        return Response.json(200, {"expired": len(self.access_tokens)})

    def _control_users(self, payload: dict[str, Any]) -> Response:
        email, personal = str(payload["email"]), payload.get("personal")
        user = self._user(email, personal=personal, name=str(payload.get("name") or ""))
        if personal is not None and bool(personal) != user.personal:
            del self.users[user.email.lower()]  # made again: the id format differs
            user = self._user(email, personal=bool(personal), name=user.name)
        user.teams_policy = bool(payload.get("teams_policy", user.teams_policy))
        user.teams = bool(payload.get("teams", user.teams))
        return Response.json(200, {"id": user.id, "email": user.email, "personal": user.personal})

    def _control_teams_policy(self, payload: dict[str, Any]) -> Response:
        if "global" in payload:
            self.global_teams_policy = bool(payload["global"])
        if "email" in payload:
            self._user(str(payload["email"])).teams_policy = bool(payload.get("granted", True))
        return Response.json(200, {"global": self.global_teams_policy})

    def _control_throttle(self, payload: dict[str, Any]) -> Response:
        code = str(payload.get("code", "TooManyRequests"))
        if code not in {"TooManyRequests", "ApplicationThrottled"}:
            raise ValueError(f"code must be TooManyRequests or ApplicationThrottled, not {code}")
        count, retry_after = int(payload.get("count", 1)), str(payload.get("retry_after", "2.128"))
        self.throttle = {"count": count, "retry_after": retry_after, "code": code}
        return Response.json(200, self.throttle)

    def _control_busy(self, payload: dict[str, Any]) -> Response:
        user = self._user(str(payload["email"]))
        start, end = (
            datetime.fromisoformat(str(payload[name]).replace("Z", "+00:00")).astimezone(UTC)
            for name in ("start", "end")
        )
        organizer = str(payload.get("organizer") or user.email)
        foreign = organizer.lower() != user.email.lower()
        fields = {
            "subject": str(payload.get("subject", "Busy")),
            "showAs": str(payload.get("status", "busy")),
            "attendees": [attendee(user.email)] if foreign else [],
        }
        event = self._new_event(user, fields, start, end, "UTC", organizer=organizer)
        return Response.json(200, {"id": event.id})

    def _control_settings(self, payload: dict[str, Any]) -> Response:
        unknown = set(payload) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(SETTINGS)}")
        self.settings.update(payload)
        return Response.json(200, dict(self.settings))

    # -- Graph: who is calling, on which mailbox -----------------------------------------
    def _caller(self, request: Request) -> Token:
        bearer = request.bearer()
        if not bearer:
            raise refuse("empty_token")
        token = self.access_tokens.get(bearer)
        if token is None:
            raise refuse("bad_token")
        if token.expires_at <= time.time():
            raise refuse("expired")
        return token

    def _mailbox(self, request: Request, who: str, *scopes: str) -> tuple[Token, User]:
        """The caller and the mailbox it acts on; delegated tokens reach only their own."""
        caller = self._caller(request)
        if who == "me":
            if caller.email is None:
                raise refuse("me")
            user = self._find_user(caller.email)
        else:
            ref = unquote(who.removeprefix("users/"))
            user = self._find_user(ref)
            if user is None:
                raise refuse("no_user", ref=ref)
            if caller.email is not None and user.email.lower() != caller.email.lower():
                raise refuse("denied")
        if user is None:  # the token's user left the directory
            raise refuse("bad_token")
        if caller.email is not None and scopes and not set(scopes) & caller.scopes:
            raise refuse("denied")
        return caller, user

    def _policy_allows(self, user: User) -> bool:
        return self.global_teams_policy or user.teams_policy

    def _require_teams_policy(self, caller: Token, user: User) -> None:
        """App-only Teams meetings need the user's application access policy."""
        if caller.email is not None or self._policy_allows(user):
            return
        if self.settings["app_only_events_need_policy"]:
            raise refuse("teams_policy", app=self.client_id, user=user.id)

    def _zone(self, name: str) -> ZoneInfo | None:
        if name in self.settings["rejected_zones"]:
            return None
        try:
            return ZoneInfo(WINDOWS_ZONES.get(name, name))
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def _prefer_zone(self, request: Request) -> str:
        found = re.search(r'outlook\.timezone\s*=\s*"([^"]+)"', request.headers.get("prefer", ""))
        return found.group(1) if found and self._zone(found.group(1)) else "UTC"

    def _parse_time(self, value: Any) -> tuple[datetime, str]:
        if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
            raise refuse("times")
        zone_name = str(value.get("timeZone") or "UTC")
        zone = self._zone(zone_name)
        if zone is None:
            raise refuse("zone", zone=zone_name)
        try:
            moment = datetime.fromisoformat(value["dateTime"].removesuffix("Z").partition(".")[0])
        except ValueError:
            raise refuse("body") from None
        # A wall time in a DST gap reads as the offset before the gap: it moves forward.
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC), zone_name

    def _json_object(self, request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise refuse("body")
        return body

    # -- Graph: users and calendars ------------------------------------------------------
    @route("GET", WHO)
    @handler
    def get_user(self, request: Request, who: str) -> Response:
        caller = self._caller(request)
        if who == "me" and caller.email is None:
            raise refuse("me")
        ref = caller.email if who == "me" and caller.email else who.removeprefix("users/")
        user = self._find_user(ref)
        if user is None:
            raise refuse("no_resource", ref=unquote(ref))
        return Response.json(200, {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#users/$entity",
            "id": user.id,
            "displayName": user.name,
            "mail": None if user.personal else user.email,
            "userPrincipalName": user.email,
            "businessPhones": [],
            "preferredLanguage": "en-US",
        })  # fmt: skip

    @route("GET", WHO + "/calendar")
    @handler
    def get_calendar(self, request: Request, who: str) -> Response:
        _, user = self._mailbox(request, who, "Calendars.Read", "Calendars.ReadWrite")
        allowed = ["skypeForConsumer"] if user.personal else ["teamsForBusiness"] * user.teams
        return Response.json(200, {
            "id": "AAMkAGCalendar-" + user.id,
            "name": "Calendar",
            "canEdit": True,
            "isDefaultCalendar": True,
            "allowedOnlineMeetingProviders": allowed,
            "defaultOnlineMeetingProvider": (allowed or ["unknown"])[0],
            "owner": {"name": user.name, "address": user.email},
        })  # fmt: skip

    @route("GET", WHO + "/onlineMeetings")
    @handler
    def list_online_meetings(self, request: Request, who: str) -> Response:
        scopes = ("OnlineMeetings.Read", "OnlineMeetings.ReadWrite")
        caller, user = self._mailbox(request, who, *scopes)
        if user.personal:
            raise refuse("msa_meetings")
        if caller.email is None and not self._policy_allows(user):
            raise refuse("no_policy")
        wanted = re.search(r"JoinWebUrl eq '([^']*)'", request.query.get("$filter", ""), re.I)
        if wanted is None:
            raise refuse("filter")
        value = [
            {"id": e.id, "joinWebUrl": e.fields["onlineMeeting"]["joinUrl"],
             "subject": e.fields["subject"], "startDateTime": stamp(e.start),
             "endDateTime": stamp(e.end)}
            for e in self._calendar(user)
            if (e.fields["onlineMeeting"] or {}).get("joinUrl") == wanted.group(1)
        ]  # fmt: skip
        return Response.json(200, {"value": value})

    # -- Graph: events -------------------------------------------------------------------
    def _calendar(self, user: User) -> list[Event]:
        mailbox = user.email.lower()
        return [e for e in self.events.values() if e.mailbox == mailbox and not e.deleted]

    def _new_event(
        self, user: User, fields: dict[str, Any], start: datetime, end: datetime, zone: str,
        *, organizer: str = "",
    ) -> Event:  # fmt: skip
        now = stamp(datetime.now(UTC))
        event_id = "AAMkAD" + self._random_text(72) + "AAA="
        organizer = organizer or user.email
        uid = self._random_text(24).upper().encode().hex()[:40].upper()
        fields = {
            "subject": "",
            "body": {"contentType": "html", "content": ""},
            "attendees": [],
            "showAs": "busy",
            "isOnlineMeeting": False,
            "onlineMeetingProvider": "unknown",
            "onlineMeeting": None,
            "onlineMeetingUrl": None,
            "transactionId": None,
            "isCancelled": False,
            **fields,
            "createdDateTime": now,
            "lastModifiedDateTime": now,
            "changeKey": self._random_text(12),
            "iCalUId": "040000008200E00074C5B7101A82E008" + uid,
            "organizer": {"emailAddress": {"name": organizer, "address": organizer}},
            "isOrganizer": organizer.lower() == user.email.lower(),
            "webLink": f"https://outlook.office365.com/owa/?itemid={event_id}&path=/calendar/item",
        }
        reads = int(self.settings["link_delay_reads"])
        event = Event(event_id, user.email.lower(), fields, start, end, zone, pending_reads=reads)
        event.history.append("created")
        self.events[event_id] = event
        return event

    def _add_teams_meeting(self, event: Event) -> None:
        digits = "".join(str(self._ids.randrange(10)) for _ in range(9))
        join_url = (
            f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{self._random_text(24)}"
            f"%40thread.v2/0?context=%7b%22Tid%22%3a%22{self.tenant_id}%22%7d"
        )
        phone = "+1 555-010-0199"
        event.fields["isOnlineMeeting"] = True
        event.fields["onlineMeetingProvider"] = "teamsForBusiness"
        event.fields["onlineMeeting"] = {
            "joinUrl": join_url,
            "conferenceId": digits,
            "tollNumber": phone,
            "tollFreeNumbers": ["+1 800-555-0100"],
            "quickDial": f"{phone},,{digits}#",
            "phones": [{"number": phone, "type": "home"}],
        }
        self._append_join_block(event)

    def _append_join_block(self, event: Event) -> None:
        """Outlook appends the Teams join block to the body when it makes the meeting."""
        url = html.escape(event.fields["onlineMeeting"]["joinUrl"])
        event.fields["body"]["content"] += (
            f"<div>{'_' * 80}</div><div><b>Microsoft Teams meeting</b><br>"
            f'<a href="{url}">Click here to join the meeting</a></div>'
        )

    def _render(self, event: Event, zone_name: str) -> dict[str, Any]:
        zone = self._zone(zone_name) or UTC
        fields = dict(event.fields)
        if event.pending_reads > 0 and fields["isOnlineMeeting"]:
            event.pending_reads -= 1
            fields["onlineMeeting"] = None  # the Teams meeting is still being made
        fields["start"] = wall(event.start, zone, zone_name)
        fields["end"] = wall(event.end, zone, zone_name)
        fields["id"] = event.id
        fields["@odata.etag"] = f'W/"{fields["changeKey"]}"'
        fields["originalStartTimeZone"] = fields["originalEndTimeZone"] = event.zone
        fields["bodyPreview"] = re.sub(r"<[^>]+>", " ", fields["body"]["content"])[:255].strip()
        return fields

    def _event(self, user: User, event_id: str) -> Event:
        event = self.events.get(unquote(event_id))
        if event is None or event.deleted or event.mailbox != user.email.lower():
            raise refuse("not_found")
        return event

    def _apply(self, event: Event, body: dict[str, Any]) -> None:
        """Apply the writable calendar fields of a POST or PATCH body (all or nothing)."""
        start, zone = (
            self._parse_time(body["start"]) if "start" in body else (event.start, event.zone)
        )
        end = self._parse_time(body["end"])[0] if "end" in body else event.end
        if end < start:
            raise refuse("times")
        attendees = event.fields["attendees"]
        if "attendees" in body:
            attendees = []
            for item in body["attendees"] or []:
                address = ((item or {}).get("emailAddress") or {}).get("address")
                kind = (item or {}).get("type") or "required"
                if not isinstance(address, str) or "@" not in address:
                    raise refuse("recipients")
                if kind not in {"required", "optional", "resource"}:
                    raise refuse("recipients")
                name = item["emailAddress"].get("name") or address
                attendees.append(attendee(address, kind, name))
        event.start, event.end, event.zone = start, end, zone
        event.fields["attendees"] = attendees
        for name in ("subject", "showAs"):
            if isinstance(body.get(name), str):
                event.fields[name] = body[name]
        if isinstance(body.get("location"), dict):
            place = str(body["location"].get("displayName") or "")
            event.fields["location"] = {"displayName": place, "locationType": "default"}
        if isinstance(body.get("body"), dict):
            kind = str(body["body"].get("contentType") or "text").lower()
            event.fields["body"] = {
                "contentType": kind,
                "content": str(body["body"].get("content") or ""),
            }
            online = event.fields["onlineMeeting"]
            if online and online["joinUrl"] not in event.fields["body"]["content"]:
                # Outlook reads the Teams meeting from the join block in the body: a body
                # without it drops the online meeting (microsoft-graph-docs#16336, #18056).
                event.fields["isOnlineMeeting"] = False
                event.fields["onlineMeetingProvider"] = "unknown"
                event.fields["onlineMeeting"] = None
        event.fields["lastModifiedDateTime"] = stamp(datetime.now(UTC))
        event.fields["changeKey"] = self._random_text(12)

    @route("POST", WHO + r"(?:/calendar)?/events")
    @handler
    def create_event(self, request: Request, who: str) -> Response:
        caller, user = self._mailbox(request, who, "Calendars.ReadWrite")
        body = self._json_object(request)
        if "start" not in body or "end" not in body:
            raise refuse("times")
        transaction = body.get("transactionId") or None
        for existing in self._calendar(user):
            if transaction and existing.fields["transactionId"] == transaction:
                self.dedupe_hits += 1
                if self.settings["duplicate_transaction"] == "conflict":
                    raise refuse("duplicate")
                return Response.json(201, self._render(existing, self._prefer_zone(request)))
        provider = body.get("onlineMeetingProvider", "teamsForBusiness")
        wants_teams = body.get("isOnlineMeeting") is True and provider == "teamsForBusiness"
        if wants_teams:
            self._require_teams_policy(caller, user)
        now = datetime.now(UTC)
        event = self._new_event(user, {"transactionId": transaction}, now, now, "UTC")
        try:
            self._apply(event, body)
        except Refusal:
            del self.events[event.id]
            raise
        if wants_teams and user.teams and not user.personal:
            self._add_teams_meeting(event)
        # A personal or unlicensed account asking for Teams gets a plain event: no error.
        return Response.json(201, self._render(event, self._prefer_zone(request)))

    @route("GET", EVENT)
    @handler
    def get_event(self, request: Request, who: str, event_id: str) -> Response:
        _, user = self._mailbox(request, who, "Calendars.Read", "Calendars.ReadWrite")
        return Response.json(
            200, self._render(self._event(user, event_id), self._prefer_zone(request))
        )

    @route("PATCH", EVENT)
    @handler
    def update_event(self, request: Request, who: str, event_id: str) -> Response:
        caller, user = self._mailbox(request, who, "Calendars.ReadWrite")
        event = self._event(user, event_id)
        body = self._json_object(request)
        self._apply(event, body)
        if body.get("isOnlineMeeting") is True and not event.fields["onlineMeeting"]:
            self._require_teams_policy(caller, user)
            if user.teams and not user.personal:
                self._add_teams_meeting(event)  # a new meeting, with a new link
        event.history.append("updated")
        return Response.json(200, self._render(event, self._prefer_zone(request)))

    @route("DELETE", EVENT)
    @handler
    def delete_event(self, request: Request, who: str, event_id: str) -> Response:
        _, user = self._mailbox(request, who, "Calendars.ReadWrite")
        event = self._event(user, event_id)
        event.deleted = True
        event.history.append("deleted")
        return Response.empty(204)

    @route("POST", EVENT + "/cancel")
    @handler
    def cancel_event(self, request: Request, who: str, event_id: str) -> Response:
        _, user = self._mailbox(request, who, "Calendars.ReadWrite")
        event = self._event(user, event_id)
        lonely = self.settings["cancel_requires_attendees"] and not event.fields["attendees"]
        if not event.fields["isOrganizer"] or lonely:
            raise refuse("organizer")
        # Cancel moves the event to Deleted Items: looked up by id it is then not found.
        event.deleted = event.cancelled = event.fields["isCancelled"] = True
        event.history.append("cancelled")
        return Response.empty(202)

    @route("GET", WHO + r"(?:/calendar)?/calendarView")
    @handler
    def calendar_view(self, request: Request, who: str) -> Response:
        _, user = self._mailbox(request, who, "Calendars.Read", "Calendars.ReadWrite")
        try:
            start, end = (
                datetime.fromisoformat(request.query[name].replace("Z", "+00:00"))
                for name in ("startDateTime", "endDateTime")
            )
        except (KeyError, ValueError):
            raise refuse("window") from None
        start, end = (t if t.tzinfo else t.replace(tzinfo=UTC) for t in (start, end))
        zone = self._prefer_zone(request)
        found = [e for e in self._calendar(user) if e.start < end and e.end > start]
        return Response.json(200, {"value": [self._render(e, zone) for e in found]})

    @route("POST", WHO + "/calendar/getSchedule")
    @handler
    def get_schedule(self, request: Request, who: str) -> Response:
        _, user = self._mailbox(request, who, "Calendars.Read", "Calendars.ReadWrite")
        if user.personal:
            raise refuse("msa_schedule")
        body = self._json_object(request)
        schedules, interval = body.get("schedules"), body.get("availabilityViewInterval", 30)
        if not isinstance(schedules, list) or not isinstance(interval, int):
            raise refuse("schedule")
        if not 5 <= interval <= 1440:
            raise refuse("schedule")
        start, end = (
            self._parse_time(body.get("startTime"))[0],
            self._parse_time(body.get("endTime"))[0],
        )
        zone = self._prefer_zone(request)
        value = [self._schedule(str(s), start, end, interval, zone) for s in schedules]
        context = f"{self.base_url}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)"
        return Response.json(200, {"@odata.context": context, "value": value})

    def _schedule(
        self, address: str, start: datetime, end: datetime, interval: int, zone_name: str
    ) -> dict[str, Any]:
        user = self._find_user(address)
        if user is None or user.personal:
            return {"scheduleId": address, "error": {
                "message": f"The SMTP address '{address}' has no mailbox associated with it.",
                "responseCode": "ErrorMailRecipientNotFound",
            }}  # fmt: skip
        zone = self._zone(zone_name) or UTC
        found = sorted(
            (e for e in self._calendar(user) if e.start < end and e.end > start),
            key=lambda e: e.start,
        )
        slot, view, cursor = timedelta(minutes=interval), [], start
        while cursor < end:
            statuses = [
                e.fields["showAs"] for e in found if e.start < cursor + slot and e.end > cursor
            ]
            best = max(statuses, key=lambda s: STATUS_RANK.get(s, 0), default="free")
            view.append(STATUS_DIGITS.get(best, "0"))
            cursor += slot
        items = [
            {"isPrivate": False, "status": e.fields["showAs"], "subject": e.fields["subject"],
             "start": wall(e.start, zone, zone_name), "end": wall(e.end, zone, zone_name)}
            for e in found
        ]  # fmt: skip
        return {
            "scheduleId": address,
            "availabilityView": "".join(view),
            "scheduleItems": items,
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000",
                "endTime": "17:00:00.0000000",
                "timeZone": {"name": "UTC"},
            },
        }
