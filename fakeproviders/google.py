"""A fake Google: OAuth consent and token endpoints, Calendar v3 events and freeBusy.

The paths are Google's own, under one base URL, so only Convener's URL settings differ:

    GET  /o/oauth2/v2/auth                  consent page (accounts.google.com)
    POST /o/oauth2/v2/auth                  the consent form's submission -> redirect_uri
    POST /token                             authorization_code, refresh_token, JWT bearer
    POST /revoke                            revoke a token (oauth2.googleapis.com/revoke)
    GET  /oauth2/v2/userinfo                the signed-in account's email
    GET  /calendar/v3/calendars/{cal}       calendars.get (id = the account's email)
    GET  /calendar/v3/calendars/{cal}/events           events.list (a small subset)
    POST /calendar/v3/calendars/{cal}/events           events.insert
    GET|PATCH|PUT|DELETE .../events/{eventId}          events.get, patch, update, delete
    POST /calendar/v3/freeBusy              freebusy.query

Traps reproduced (docs: provider-apis.md, sections 1 and 5):
- without conferenceDataVersion=1, conferenceData is silently ignored on insert, patch and
  update (200, no hangoutLink); with 1, a PUT without conferenceData removes the link;
- conferences can stay `pending` for `pending_reads` reads, or fail (`conference_failures`);
- a repeated event id is 409 duplicate; a repeated conference requestId is ignored;
- deleting twice is 410 deleted; deleted events linger with status "cancelled";
- rate limits are 403 usageLimits/rateLimitExceeded or 429 (`rate_limit_status`), without
  Retry-After unless asked; injected errors reproduce every documented reason;
- refresh tokens only with access_type=offline and prompt=consent, never rotated;
  `refresh_token_max_age` reproduces Testing-mode apps (refresh tokens die after 7 days);
- the JWT bearer grant checks the RS256 signature against a registered public key, answers
  401 unauthorized_client without domain-wide delegation, and a token minted without `sub`
  (the service account as itself) gets 400 "Invalid conference type value." on Meet;
- scopes are enforced per method as in the discovery document (403 insufficientPermissions);
- freeBusy: 400 timeRangeEmpty; unknown calendars get per-calendar errors inside a 200.

Control routes, besides the harness's /_fake/state, calls, faults and reset:

    POST /_fake/config                {pending_reads, conference_failures, rate_limit_status,
                                       rate_limit_retry_after, expires_in, phone_numbers,
                                       refresh_token_max_age}; GET shows them
    POST /_fake/inject                {"reason", "status"?, "times"?, "retry_after"?, "path"?}
    POST /_fake/accounts              {"email", "timezone"?, "meet_enabled"?, "busy"?: [...]}
    POST /_fake/service-accounts      {"client_email", "public_key_pem", "delegated", "scopes"?}
    POST /_fake/tokens                {"email", "scopes"?} -> an access token, no consent page
    POST /_fake/revoke                {"email"}: its refresh tokens (and their access tokens)
    POST /_fake/expire-access-tokens  every access token answers 401 from now on
    POST /_fake/clock                 {"advance_seconds"}: the fake's clock jumps ahead
"""

from __future__ import annotations

import base64
import copy
import hashlib
import secrets
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fakeproviders.google_model import (
    _EVENT_ID_CHARS,
    CALENDAR,
    EVENT_FIELDS,
    EVENTS,
    FREEBUSY,
    READ_CALENDAR,
    READ_EVENTS,
    REASONS,
    USERINFO,
    WRITE_EVENTS,
    AccessToken,
    Account,
    RefreshToken,
    Refuse,
    ServiceAccount,
    google_error,
    oauth_error,
    rfc3339,
    scopes_of,
)
from fakeproviders.google_oauth import GoogleOAuth
from fakeproviders.harness import FakeProvider, Request, Response, route


class FakeGoogle(GoogleOAuth, FakeProvider):
    name = "google"

    def __init__(
        self,
        *,
        client_id: str = "fake-google-client-id",
        client_secret: str = "fake-google-client-secret",  # noqa: S107 - a fake's public default
        default_email: str = "alice@example.com",
        redirect_uris: Sequence[str] = (),
        require_pkce: bool = True,
        expires_in: int = 3599,
        refresh_token_max_age: float | None = None,
        pending_reads: int = 0,
        conference_failures: int = 0,
        rate_limit_status: str = "alternate",
        rate_limit_retry_after: bool = False,
        phone_numbers: bool = True,
        service_accounts: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """`redirect_uris` empty accepts any http(s) redirect URI; `require_pkce` matches
        Convener (Google itself accepts web clients without PKCE); `refresh_token_max_age`
        in seconds mimics Testing-mode apps (7 days); `rate_limit_status` is "403", "429"
        or "alternate"; `pending_reads` and `conference_failures` apply to new conferences."""
        self.client_id, self.client_secret = client_id, client_secret
        self.default_email = default_email
        self.redirect_uris = tuple(redirect_uris)
        self.require_pkce = require_pkce
        self._initial_config = {
            "pending_reads": pending_reads,
            "conference_failures": conference_failures,
            "rate_limit_status": rate_limit_status,
            "rate_limit_retry_after": rate_limit_retry_after,
            "expires_in": expires_in,
            "refresh_token_max_age": refresh_token_max_age,
            "phone_numbers": phone_numbers,
        }
        self._initial_service_accounts = [dict(sa) for sa in service_accounts]
        super().__init__()

    # -- harness hooks -----------------------------------------------------------------
    def convener_settings(self) -> dict[str, str]:
        return {
            "CONVENER_GOOGLE_AUTH_URI": f"{self.base_url}/o/oauth2/v2/auth",
            "CONVENER_GOOGLE_TOKEN_URI": f"{self.base_url}/token",
            "CONVENER_GOOGLE_API_URL": self.base_url,
            "CONVENER_GOOGLE_CLIENT_ID": self.client_id,
            "CONVENER_GOOGLE_CLIENT_SECRET": self.client_secret,
        }

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.config: dict[str, Any] = dict(self._initial_config)
            self.accounts: dict[str, Account] = {}
            self.service_accounts: dict[str, ServiceAccount] = {}
            self.codes: dict[str, dict[str, Any]] = {}
            self.consents: dict[str, dict[str, Any]] = {}
            self.access_tokens: dict[str, AccessToken] = {}
            self.refresh_tokens: dict[str, RefreshToken] = {}
            self.injected: list[dict[str, Any]] = []
            self.grants: Counter[str] = Counter()
            self.clock_offset = 0.0
            self._rate_limit_turn = 0
            for sa in self._initial_service_accounts:
                self._register_service_account(sa)

    def now(self) -> float:
        return time.time() + self.clock_offset

    def account_of(self, request: Request) -> str | None:
        token = request.bearer()
        if token is None:
            return None
        with self.lock:
            access = self.access_tokens.get(token)
        return access.email if access else token

    def rate_limited(self, request: Request, retry_after: float) -> Response:
        with self.lock:
            choice = self.config["rate_limit_status"]
            if choice == "alternate":
                self._rate_limit_turn += 1
                choice = "429" if self._rate_limit_turn % 2 == 0 else "403"
            headers = (
                {"Retry-After": f"{max(1, round(retry_after))}"}
                if self.config["rate_limit_retry_after"]
                else {}
            )
        return google_error(int(choice), "rateLimitExceeded", headers=headers)

    def server_error(self, request: Request) -> Response:
        if request.path in {"/token", "/revoke"}:
            return oauth_error(
                503, "temporarily_unavailable", "The service is currently unavailable."
            )
        if self.chance(0.5):
            return google_error(503, "backendError", "The service is currently unavailable.")
        return google_error(500, "backendError")

    def not_found(self, request: Request) -> Response:
        if request.path.startswith("/calendar/"):
            return google_error(404, "notFound")
        return super().not_found(request)

    def state(self) -> dict[str, Any]:
        with self.lock:
            accounts = {}
            for email, account in self.accounts.items():
                accounts[email] = {
                    "timezone": account.timezone,
                    "meet_enabled": account.meet_enabled,
                    "events": [self._event_summary(event) for event in account.events.values()],
                }
            live = sum(
                1
                for a in self.accounts.values()
                for e in a.events.values()
                if e["status"] != "cancelled"
            )
            return {
                "accounts": accounts,
                "events_total": sum(len(a.events) for a in self.accounts.values()),
                "events_live": live,
                "token_grants": dict(self.grants),
                "refresh_tokens": {
                    email: sum(
                        1
                        for r in self.refresh_tokens.values()
                        if r.email == email and not r.revoked
                    )
                    for email in self.accounts
                },
                "service_accounts": {
                    e: {"delegated": sa.delegated} for e, sa in self.service_accounts.items()
                },
                "config": dict(self.config),
                "clock_offset": self.clock_offset,
            }

    @staticmethod
    def _event_summary(event: Mapping[str, Any]) -> dict[str, Any]:
        conference = event.get("conferenceData") or {}
        status = ((conference.get("createRequest") or {}).get("status") or {}).get("statusCode")
        return {
            "id": event["id"],
            "summary": event.get("summary", ""),
            "location": event.get("location", ""),
            "description": event.get("description", ""),
            "start": event.get("start"),
            "end": event.get("end"),
            "status": event["status"],
            "deleted": event["status"] == "cancelled",
            "convener_key": ((event.get("extendedProperties") or {}).get("private") or {}).get(
                "convenerKey"
            ),
            "hangout_link": event.get("hangoutLink", ""),
            "conference_status": status or ("success" if conference else None),
            "conference_id": conference.get("conferenceId", ""),
            "request_id": (conference.get("createRequest") or {}).get("requestId"),
            "attendees": [a.get("email") for a in event.get("attendees", [])],
            "sequence": event.get("sequence", 0),
        }

    # -- control routes ----------------------------------------------------------------
    def control(self, request: Request) -> Response | None:
        handlers = {
            "/_fake/config": self._control_config,
            "/_fake/inject": self._control_inject,
            "/_fake/accounts": self._control_accounts,
            "/_fake/service-accounts": self._control_service_accounts,
            "/_fake/tokens": self._control_tokens,
            "/_fake/revoke": self._control_revoke,
            "/_fake/expire-access-tokens": self._control_expire,
            "/_fake/clock": self._control_clock,
        }
        handler = handlers.get(request.path)
        if handler is None:
            return super().control(request)
        if request.method == "GET" and request.path == "/_fake/config":
            with self.lock:
                return Response.json(200, dict(self.config))
        if request.method != "POST":
            return self.not_found(request)
        try:
            payload = request.json() or {}
            if not isinstance(payload, dict):
                raise ValueError("expected a JSON object")
            with self.lock:
                return handler(payload)
        except (ValueError, TypeError, KeyError) as exc:
            return Response.json(400, {"error": f"{type(exc).__name__}: {exc}"})

    def _control_config(self, payload: dict[str, Any]) -> Response:
        unknown = set(payload) - set(self.config)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(self.config)}")
        if str(payload.get("rate_limit_status", "403")) not in {"403", "429", "alternate"}:
            raise ValueError("rate_limit_status must be 403, 429 or alternate")
        self.config.update(payload)
        self.config["rate_limit_status"] = str(self.config["rate_limit_status"])
        return Response.json(200, dict(self.config))

    def _control_inject(self, payload: dict[str, Any]) -> Response:
        reason = str(payload["reason"])
        if reason not in REASONS and "status" not in payload:
            raise ValueError(f"unknown reason {reason!r}: give a status too")
        self.injected.append(
            {
                "reason": reason,
                "status": int(payload.get("status") or REASONS[reason][0]),
                "times": int(payload.get("times", 1)),
                "retry_after": payload.get("retry_after"),
                "path": str(payload.get("path", "")),
                "method": str(payload.get("method", "")).upper(),
            }
        )
        return Response.json(200, {"queued": len(self.injected)})

    def _control_accounts(self, payload: dict[str, Any]) -> Response:
        account = self._account(str(payload["email"]))
        if "timezone" in payload:
            ZoneInfo(str(payload["timezone"]))
            account.timezone = str(payload["timezone"])
        if "meet_enabled" in payload:
            account.meet_enabled = bool(payload["meet_enabled"])
        for item in payload.get("busy", []):
            account.busy.append((_instant(item["start"]), _instant(item["end"])))
        return Response.json(200, {"email": account.email})

    def _control_service_accounts(self, payload: dict[str, Any]) -> Response:
        sa = self._register_service_account(payload)
        return Response.json(200, {"client_email": sa.client_email, "delegated": sa.delegated})

    def _control_tokens(self, payload: dict[str, Any]) -> Response:
        scopes = scopes_of(
            payload.get("scopes")
            or [EVENTS, CALENDAR + ".freebusy", CALENDAR + ".calendars.readonly"]
        )
        token = self._issue_access(str(payload.get("email") or self.default_email), scopes)
        return Response.json(200, {"access_token": token, "expires_in": self.config["expires_in"]})

    def _control_revoke(self, payload: dict[str, Any]) -> Response:
        email = str(payload["email"]).lower()
        revoked = self._revoke(lambda r: r.email == email)
        return Response.json(200, {"revoked": revoked})

    def _control_expire(self, payload: dict[str, Any]) -> Response:
        for access in self.access_tokens.values():
            access.expires_at = min(access.expires_at, self.now() - 1)
        return Response.json(200, {"expired": len(self.access_tokens)})

    def _control_clock(self, payload: dict[str, Any]) -> Response:
        self.clock_offset += float(payload["advance_seconds"])
        return Response.json(200, {"clock_offset": self.clock_offset})

    def _register_service_account(self, payload: Mapping[str, Any]) -> ServiceAccount:
        scopes = payload.get("scopes")
        sa = ServiceAccount(
            client_email=str(payload["client_email"]),
            public_key_pem=str(payload["public_key_pem"]),
            delegated=bool(payload.get("delegated", True)),
            scopes=scopes_of(scopes) if scopes is not None else None,
        )
        self.service_accounts[sa.client_email] = sa
        return sa

    def _revoke(self, match: Any) -> int:
        revoked = [key for key, r in self.refresh_tokens.items() if match(r) and not r.revoked]
        for key in revoked:
            self.refresh_tokens[key].revoked = True
        # Revoking a grant also kills the access tokens issued from it.
        for access in self.access_tokens.values():
            if access.refresh_token in revoked:
                access.expires_at = min(access.expires_at, self.now() - 1)
        return len(revoked)

    # -- state helpers -----------------------------------------------------------------
    def _account(self, email: str, *, meet_enabled: bool = True) -> Account:
        key = email.lower()
        if key not in self.accounts:
            self.accounts[key] = Account(email=key, meet_enabled=meet_enabled)
        return self.accounts[key]

    def _issue_access(
        self, email: str, scopes: frozenset[str], *, refresh: str | None = None, meet: bool = True
    ) -> str:
        self._account(email, meet_enabled=meet)
        token = "ya29.fake-" + secrets.token_urlsafe(24)
        self.access_tokens[token] = AccessToken(
            email=email.lower(),
            scopes=scopes,
            expires_at=self.now() + float(self.config["expires_in"]),
            refresh_token=refresh,
            meet_allowed=meet,
        )
        return token

    # -- Calendar API ------------------------------------------------------------------------
    def _api(self, request: Request, scopes: frozenset[str], work: Any) -> Response:
        """Authenticate, check scopes, apply injected errors, then run `work(access)`."""
        with self.lock:
            try:
                access = self._authenticate(request, scopes)
                injected = self._take_injected(request)
                if injected is not None:
                    return injected
                response: Response = work(access)
                return response
            except Refuse as refused:
                return refused.response

    def _authenticate(self, request: Request, scopes: frozenset[str]) -> AccessToken:
        token = request.bearer()
        challenge = {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'}
        if not token:
            raise Refuse(google_error(401, "required", "Login Required.", headers=challenge))
        access = self.access_tokens.get(token)
        if access is None or access.expires_at <= self.now():
            challenge["WWW-Authenticate"] += ', error="invalid_token"'
            raise Refuse(google_error(401, "authError", headers=challenge))
        if not access.scopes & scopes:
            raise Refuse(
                google_error(
                    403,
                    "insufficientPermissions",
                    "Request had insufficient authentication scopes.",
                )
            )
        return access

    def _take_injected(self, request: Request) -> Response | None:
        for entry in self.injected:
            if entry["path"] not in request.path or entry["method"] not in {"", request.method}:
                continue
            entry["times"] -= 1
            if entry["times"] <= 0:
                self.injected.remove(entry)
            headers = (
                {"Retry-After": str(entry["retry_after"])}
                if entry["retry_after"] is not None
                else {}
            )
            return google_error(entry["status"], entry["reason"], headers=headers)
        return None

    def _calendar(self, access: AccessToken, calendar_id: str) -> Account:
        calendar_id = unquote(calendar_id)
        if calendar_id == "primary" or calendar_id.lower() == access.email:
            return self._account(access.email)
        raise Refuse(google_error(404, "notFound"))  # no sharing between accounts here

    def _event(self, account: Account, event_id: str) -> dict[str, Any]:
        event = account.events.get(unquote(event_id))
        if event is None:
            raise Refuse(google_error(404, "notFound"))
        return event

    @route("GET", r"/calendar/v3/calendars/(?P<calendar>[^/]+)")
    def calendars_get(self, request: Request, calendar: str) -> Response:
        def work(access: AccessToken) -> Response:
            account = self._calendar(access, calendar)
            meet = account.meet_enabled and access.meet_allowed
            return Response.json(
                200,
                {
                    "kind": "calendar#calendar",
                    "etag": '"fake-calendar"',
                    "id": account.email,
                    "summary": account.email,
                    "timeZone": account.timezone,
                    "conferenceProperties": {
                        "allowedConferenceSolutionTypes": ["hangoutsMeet"] if meet else []
                    },
                },
            )

        return self._api(request, READ_CALENDAR, work)

    @route("GET", r"/calendar/v3/calendars/(?P<calendar>[^/]+)/events")
    def events_list(self, request: Request, calendar: str) -> Response:
        """A subset: maxResults, privateExtendedProperty (one), showDeleted; one page."""

        def work(access: AccessToken) -> Response:
            account = self._calendar(access, calendar)
            wanted = request.query.get("privateExtendedProperty", "")
            name, _, value = wanted.partition("=")
            items = [
                e
                for e in account.events.values()
                if (e["status"] != "cancelled" or request.query.get("showDeleted") == "true")
                and (
                    not wanted
                    or ((e.get("extendedProperties") or {}).get("private") or {}).get(name) == value
                )
            ]
            raw_limit = request.query.get("maxResults", "250")
            if not raw_limit.isdigit() or int(raw_limit) < 1:
                raise Refuse(
                    google_error(400, "invalid", f"Invalid value for: maxResults: {raw_limit}")
                )
            limit = int(raw_limit)
            return Response.json(
                200,
                {
                    "kind": "calendar#events",
                    "summary": account.email,
                    "updated": rfc3339(datetime.fromtimestamp(self.now(), UTC)),
                    "timeZone": account.timezone,
                    "accessRole": "owner",
                    "defaultReminders": [],
                    "items": items[:limit],
                },
            )

        return self._api(request, READ_EVENTS, work)

    @route("POST", r"/calendar/v3/calendars/(?P<calendar>[^/]+)/events")
    def events_insert(self, request: Request, calendar: str) -> Response:
        def work(access: AccessToken) -> Response:
            account = self._calendar(access, calendar)
            body, version = _json_body(request), _conference_version(request)
            event_id = body.get("id")
            if event_id is None:
                event_id = "".join(
                    self._random.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(26)
                )
            elif (
                not isinstance(event_id, str)
                or not 5 <= len(event_id) <= 1024
                or set(event_id) - _EVENT_ID_CHARS
            ):
                raise Refuse(google_error(400, "invalid", "Invalid resource id value."))
            if event_id in account.events:  # deleted ones too: ids are never reused
                raise Refuse(google_error(409, "duplicate"))
            stamp = rfc3339(datetime.fromtimestamp(self.now(), UTC))
            event: dict[str, Any] = {
                "kind": "calendar#event",
                "id": event_id,
                "status": "confirmed",
                "htmlLink": "https://www.google.com/calendar/event?eid="
                + base64.urlsafe_b64encode(f"{event_id} {account.email}".encode())
                .decode()
                .rstrip("="),
                "created": stamp,
                "creator": {"email": account.email, "self": True},
                "organizer": {"email": account.email, "self": True},
                "iCalUID": f"{event_id}@google.com",
                "sequence": 0,
                "reminders": {"useDefault": True},
                "eventType": "default",
            }
            self._write_fields(account, event, body, replace=True)
            if body.get("status") in {"confirmed", "tentative"}:
                event["status"] = body["status"]
            # Trap: conferenceDataVersion 0 (the default) drops conferenceData silently.
            if version == 1 and isinstance(body.get("conferenceData"), dict):
                self._set_conference(account, access, event, body["conferenceData"])
            self._touch(event)
            account.events[event_id] = event
            return Response.json(200, event)

        return self._api(request, WRITE_EVENTS, work)

    @route("GET", r"/calendar/v3/calendars/(?P<calendar>[^/]+)/events/(?P<event_id>[^/]+)")
    def events_get(self, request: Request, calendar: str, event_id: str) -> Response:
        def work(access: AccessToken) -> Response:
            account = self._calendar(access, calendar)
            event = self._event(account, event_id)
            self._advance_pending(account, event)
            return Response.json(200, event)  # cancelled events too: they linger

        return self._api(request, READ_EVENTS, work)

    @route("PATCH", r"/calendar/v3/calendars/(?P<calendar>[^/]+)/events/(?P<event_id>[^/]+)")
    def events_patch(self, request: Request, calendar: str, event_id: str) -> Response:
        return self._api(
            request,
            WRITE_EVENTS,
            lambda access: self._modify(request, access, calendar, event_id, replace=False),
        )

    @route("PUT", r"/calendar/v3/calendars/(?P<calendar>[^/]+)/events/(?P<event_id>[^/]+)")
    def events_update(self, request: Request, calendar: str, event_id: str) -> Response:
        return self._api(
            request,
            WRITE_EVENTS,
            lambda access: self._modify(request, access, calendar, event_id, replace=True),
        )

    def _modify(
        self, request: Request, access: AccessToken, calendar: str, event_id: str, *, replace: bool
    ) -> Response:
        account = self._calendar(access, calendar)
        current = self._event(account, event_id)
        expected = request.headers.get("if-match")
        if expected and expected != current["etag"]:
            raise Refuse(google_error(412, "conditionNotMet"))
        body, version = _json_body(request), _conference_version(request)
        event = copy.deepcopy(current)  # all or nothing: a refused request changes nothing
        self._write_fields(account, event, body, replace=replace)
        if body.get("status") in {"confirmed", "tentative", "cancelled"}:
            event["status"] = body["status"]  # "confirmed" restores a deleted event
        if version == 1:
            conference = body.get("conferenceData")
            if isinstance(conference, dict):
                self._set_conference(account, access, event, conference)
            elif conference is None and ("conferenceData" in body or replace):
                # Version 1 copies the body's conference data: none in a PUT, none after.
                event.pop("conferenceData", None)
                event.pop("hangoutLink", None)
                account.pending.pop(event["id"], None)
        if (event.get("start"), event.get("end")) != (current.get("start"), current.get("end")):
            event["sequence"] = int(event.get("sequence", 0)) + 1
        self._touch(event)
        account.events[event["id"]] = event
        return Response.json(200, event)

    @route("DELETE", r"/calendar/v3/calendars/(?P<calendar>[^/]+)/events/(?P<event_id>[^/]+)")
    def events_delete(self, request: Request, calendar: str, event_id: str) -> Response:
        def work(access: AccessToken) -> Response:
            account = self._calendar(access, calendar)
            event = self._event(account, event_id)
            if event["status"] == "cancelled":
                return google_error(410, "deleted")
            event["status"] = "cancelled"
            self._touch(event)
            return Response.empty(204)

        return self._api(request, WRITE_EVENTS, work)

    @route("POST", "/calendar/v3/freeBusy")
    def free_busy(self, request: Request) -> Response:
        def work(access: AccessToken) -> Response:
            body = _json_body(request)
            bounds = []
            for name in ("timeMin", "timeMax"):
                if not body.get(name):
                    raise Refuse(google_error(400, "required", f"Missing {name} parameter."))
                try:
                    bounds.append(_instant(body[name]))
                except (ValueError, TypeError):
                    raise Refuse(
                        google_error(400, "invalid", f"Invalid value for: {name}")
                    ) from None
            low, high = bounds
            if high <= low:
                raise Refuse(google_error(400, "timeRangeEmpty"))
            calendars: dict[str, Any] = {}
            for item in body.get("items") or []:
                calendar_id = str((item or {}).get("id", ""))
                email = access.email if calendar_id == "primary" else calendar_id.lower()
                account = self.accounts.get(email)
                if account is None:  # inside the 200, per calendar
                    calendars[calendar_id] = {
                        "errors": [{"domain": "global", "reason": "notFound"}],
                        "busy": [],
                    }
                    continue
                calendars[calendar_id] = {
                    "busy": [
                        {"start": rfc3339(s), "end": rfc3339(e)}
                        for s, e in self._busy(account, low, high)
                    ]
                }
            return Response.json(
                200,
                {
                    "kind": "calendar#freeBusy",
                    "timeMin": rfc3339(low),
                    "timeMax": rfc3339(high),
                    "calendars": calendars,
                },
            )

        return self._api(request, FREEBUSY, work)

    @route("GET", "/oauth2/v2/userinfo")
    def userinfo(self, request: Request) -> Response:
        def work(access: AccessToken) -> Response:
            number = int(hashlib.sha256(access.email.encode()).hexdigest()[:15], 16)
            return Response.json(
                200, {"id": str(number), "email": access.email, "verified_email": True}
            )

        return self._api(request, USERINFO, work)

    # -- events and conferences ----------------------------------------------------------------
    def _write_fields(
        self, account: Account, event: dict[str, Any], body: Mapping[str, Any], *, replace: bool
    ) -> None:
        merged = {name: event[name] for name in EVENT_FIELDS if name in event and not replace}
        merged.update({name: body[name] for name in EVENT_FIELDS if name in body})
        for name in ("start", "end"):
            if not isinstance(merged.get(name), dict):
                raise Refuse(google_error(400, "required", f"Missing {name} time."))
        start, end = _when(merged["start"], "start"), _when(merged["end"], "end")
        if end < start:
            raise Refuse(google_error(400, "timeRangeEmpty"))
        attendees = []
        for guest in merged.get("attendees") or []:
            if not isinstance(guest, dict) or not guest.get("email"):
                raise Refuse(google_error(400, "required", "Missing attendee email."))
            entry = {"responseStatus": "needsAction", **guest, "email": str(guest["email"]).lower()}
            if entry["email"] == account.email:
                entry.update(organizer=True, self=True, responseStatus="accepted")
            attendees.append(entry)
        if "attendees" in merged:
            merged["attendees"] = attendees
        for name in EVENT_FIELDS:
            event.pop(name, None)
        event.update({k: v for k, v in merged.items() if v is not None})

    def _set_conference(
        self, account: Account, access: AccessToken, event: dict[str, Any], body: Mapping[str, Any]
    ) -> None:
        create = body.get("createRequest")
        if not isinstance(create, dict):  # copying existing conference data (version 1)
            event["conferenceData"] = dict(body)
            video = [p for p in body.get("entryPoints") or [] if p.get("entryPointType") == "video"]
            if video:
                event["hangoutLink"] = video[0].get("uri", "")
            return
        request_id = create.get("requestId")
        if not request_id:
            raise Refuse(
                google_error(
                    400, "invalid", "Invalid conference create request: missing requestId."
                )
            )
        current = (event.get("conferenceData") or {}).get("createRequest") or {}
        if current.get("requestId") == request_id:
            return  # a repeated requestId is ignored
        solution = (create.get("conferenceSolutionKey") or {}).get("type")
        if solution != "hangoutsMeet" or not (account.meet_enabled and access.meet_allowed):
            raise Refuse(google_error(400, "invalidConferenceType"))
        if self.config["conference_failures"] > 0:
            self.config["conference_failures"] -= 1
            status = "failure"
        elif self.config["pending_reads"] > 0:
            status = "pending"
            account.pending[event["id"]] = int(self.config["pending_reads"])
        else:
            status = "success"
        event.pop("hangoutLink", None)
        event["conferenceData"] = {
            "createRequest": {
                "requestId": request_id,
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
                "status": {"statusCode": status},
            }
        }
        if status == "success":
            self._complete_conference(event)

    def _advance_pending(self, account: Account, event: dict[str, Any]) -> None:
        create = (event.get("conferenceData") or {}).get("createRequest") or {}
        if (create.get("status") or {}).get("statusCode") != "pending":
            return
        left = account.pending.get(event["id"], 0)
        if left > 0:
            account.pending[event["id"]] = left - 1
            return
        account.pending.pop(event["id"], None)
        self._complete_conference(event)

    def _complete_conference(self, event: dict[str, Any]) -> None:
        with self.lock:
            letters = "".join(self._random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))
            pin = "".join(self._random.choice("0123456789") for _ in range(9))
        code = f"{letters[:3]}-{letters[3:7]}-{letters[7:]}"
        uri = f"https://meet.google.com/{code}"
        points: list[dict[str, Any]] = [
            {"entryPointType": "video", "uri": uri, "label": f"meet.google.com/{code}"}
        ]
        if self.config["phone_numbers"]:
            points += [
                {"entryPointType": "more", "uri": f"https://tel.meet/{code}?pin={pin}", "pin": pin},
                {
                    "entryPointType": "phone",
                    "uri": "tel:+1-555-010-0199",
                    "label": "+1 555-010-0199",
                    "pin": pin,
                    "regionCode": "US",
                },
            ]
        conference = event["conferenceData"]
        conference["createRequest"]["status"] = {"statusCode": "success"}
        conference.update(
            entryPoints=points,
            conferenceSolution={
                "key": {"type": "hangoutsMeet"},
                "name": "Google Meet",
                "iconUri": "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
            },
            conferenceId=code,
        )
        event["hangoutLink"] = uri

    def _touch(self, event: dict[str, Any]) -> None:
        event["updated"] = rfc3339(datetime.fromtimestamp(self.now(), UTC))
        event["etag"] = f'"{time.time_ns() // 1000}"'

    def _busy(
        self, account: Account, low: datetime, high: datetime
    ) -> list[tuple[datetime, datetime]]:
        spans = list(account.busy)
        for event in account.events.values():
            if event["status"] == "cancelled" or event.get("transparency") == "transparent":
                continue
            spans.append((_when(event["start"], "start"), _when(event["end"], "end")))
        merged: list[tuple[datetime, datetime]] = []
        for start, end in sorted(
            (max(s, low), min(e, high)) for s, e in spans if s < high and e > low
        ):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no offset")
    return moment


def _when(value: Mapping[str, Any], name: str) -> datetime:
    """The instant of an event's start or end ({dateTime, timeZone} or {date})."""
    zone_name = value.get("timeZone")
    zone: ZoneInfo | None = None
    if zone_name is not None:
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise Refuse(
                google_error(400, "invalid", f"Invalid time zone definition for {name} time.")
            ) from None
    if value.get("dateTime"):
        try:
            moment = datetime.fromisoformat(str(value["dateTime"]))
        except ValueError:
            raise Refuse(google_error(400, "invalid", f"Invalid {name} time.")) from None
        if moment.tzinfo is None:
            if zone is None:
                raise Refuse(
                    google_error(400, "required", f"Missing time zone definition for {name} time.")
                )
            moment = moment.replace(tzinfo=zone)
        return moment
    if value.get("date"):
        try:
            day = date.fromisoformat(str(value["date"]))
        except ValueError:
            raise Refuse(google_error(400, "invalid", f"Invalid {name} time.")) from None
        return datetime(day.year, day.month, day.day, tzinfo=zone or UTC)
    raise Refuse(google_error(400, "required", f"Missing {name} time."))


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError:
        raise Refuse(google_error(400, "parseError", "Parse Error")) from None
    if not isinstance(body, dict):
        raise Refuse(google_error(400, "badRequest"))
    return body


def _conference_version(request: Request) -> int:
    raw = request.query.get("conferenceDataVersion", "0") or "0"
    if raw not in {"0", "1"}:
        raise Refuse(
            google_error(400, "invalid", f"Invalid value for: conferenceDataVersion: {raw}")
        )
    return int(raw)
