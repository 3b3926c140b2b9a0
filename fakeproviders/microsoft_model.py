"""What the fake Microsoft's parts share: tenants, Windows zone names, the identity
platform's and Graph's error texts, and the users, tokens, grants and events it holds."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fakeproviders.harness import Request, Response

PERSONAL_DOMAINS = ("outlook.com", "hotmail.com", "live.com", "msn.com")
TENANT_ALIASES = frozenset({"common", "organizations", "consumers"})
IDENTITY_SCOPES = frozenset({"openid", "profile", "email", "offline_access"})
WHO = r"/v1\.0/(?P<who>me|users/[^/]+)"
EVENT = WHO + r"(?:/calendar)?/events/(?P<event_id>[^/]+)"
STATUS_DIGITS = {"free": "0", "tentative": "1", "busy": "2", "oof": "3", "workingElsewhere": "4"}
STATUS_RANK = {"free": 0, "workingElsewhere": 1, "tentative": 2, "busy": 3, "oof": 4}
WINDOWS_ZONES = {
    "Pacific Standard Time": "America/Los_Angeles",
    "Mountain Standard Time": "America/Denver",
    "Central Standard Time": "America/Chicago",
    "Eastern Standard Time": "America/New_York",
    "GMT Standard Time": "Europe/London",
    "W. Europe Standard Time": "Europe/Berlin",
    "Central European Standard Time": "Europe/Warsaw",
    "India Standard Time": "Asia/Kolkata",
    "Tokyo Standard Time": "Asia/Tokyo",
}
SETTINGS: dict[str, Any] = {
    "link_delay_reads": 0,
    "app_only_events_need_policy": True,
    "cancel_requires_attendees": False,
    "duplicate_transaction": "original",  # or "conflict"
    "rejected_zones": (),
}

# fmt: off
# Identity platform errors: AADSTS code -> (error, text).
AAD = {
    54005: ("invalid_grant", "OAuth2 Authorization code was already redeemed, please retry "
            "with a new valid code or use an existing refresh token."),
    50011: ("invalid_grant", "The redirect URI '{uri}' specified in the request does not match "
            "the redirect URIs configured for the application."),
    50020: ("access_denied", "User account '{email}' does not exist in tenant '{tenant}'."),
    50148: ("invalid_grant", "The code_verifier does not match the code_challenge supplied in "
            "the authorization request for PKCE."),
    65001: ("invalid_grant", "The user or administrator has not consented to use the "
            "application for the requested scopes."),
    65004: ("access_denied", "User declined to consent to access the app."),
    70003: ("unsupported_grant_type", "The app requested an unsupported grant type '{grant}'."),
    70005: ("unsupported_response_type", "response_type '{value}' is not supported."),
    70008: ("invalid_grant", "The provided authorization code or refresh token has expired "
            "due to inactivity. Send a new interactive authorization request."),
    90002: ("invalid_request", "Tenant '{tenant}' not found. Check to make sure you have the "
            "correct tenant ID."),
    90033: ("temporarily_unavailable", "A transient error has occurred. Please try again."),
    700016: ("unauthorized_client", "Application with identifier '{client}' was not found in "
             "the directory."),
    700082: ("invalid_grant", "The refresh token has expired due to inactivity. The token was "
             "issued on {issued} and was inactive for 90.00:00:00."),
    900023: ("invalid_request", "Specified tenant identifier '{tenant}' is neither a valid DNS "
             "name, nor a valid external domain."),
    900144: ("invalid_request", "The request body must contain the following parameter: "
             "'{name}'."),
    501491: ("invalid_request", "Invalid size of Code_Challenge parameter or unsupported "
             "code_challenge_method (use S256)."),
    1002012: ("invalid_scope", "The provided value for scope {scope} is not valid. Client "
              "credential flows must have a scope value with /.default suffixed to the "
              "resource identifier (application ID URI)."),
    7000215: ("invalid_client", "Invalid client secret provided. Ensure the secret being sent "
              "in the request is the client secret value, not the client secret ID."),
    7000218: ("invalid_client", "The request body must contain the following parameter: "
              "'client_assertion' or 'client_secret'."),
    9002313: ("invalid_grant", "Invalid request. Request is malformed or invalid."),
}

# Graph errors by name: (status, code, message).
GRAPH = {
    "empty_token": (401, "InvalidAuthenticationToken", "Access token is empty."),
    "bad_token": (401, "InvalidAuthenticationToken",
                  "IDX14100: JWT is not well formed, there are no dots (.)."),
    "expired": (401, "InvalidAuthenticationToken",
                "Access token has expired or is not yet valid."),
    "me": (400, "BadRequest", "/me request is only valid with delegated authentication flow."),
    "denied": (403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    "no_user": (404, "ErrorInvalidUser", "The requested user '{ref}' is invalid."),
    "no_resource": (404, "Request_ResourceNotFound", "Resource '{ref}' does not exist or one "
                    "of its queried reference-property objects are not present."),
    "not_found": (404, "ErrorItemNotFound", "The specified object was not found in the store."),
    "body": (400, "UnableToDeserializePostBody", "were unable to deserialize "),
    "times": (400, "ErrorInvalidRequest", "An event needs a start and an end, and the end "
              "must not be before the start."),
    "zone": (400, "TimeZoneNotSupportedException", "A valid TimeZone value must be "
             "specified. The following TimeZone value is not supported: '{zone}'."),
    "recipients": (400, "ErrorInvalidRecipients", "At least one recipient isn't valid."),
    "window": (400, "ErrorInvalidParameter", "This request requires a time window specified "
               "by the query string parameters StartDateTime and EndDateTime."),
    "schedule": (400, "ErrorInvalidParameter", "getSchedule needs schedules, startTime, "
                 "endTime and an availabilityViewInterval of 5 to 1440."),
    "msa_schedule": (400, "ErrorInvalidRequest",
                     "getSchedule is not supported for personal Microsoft accounts."),
    "msa_meetings": (403, "Forbidden", "This API is not supported for MSA accounts."),
    "no_policy": (403, "General", "No application access policy found for this app."),
    "teams_policy": (403, "Unauthorized",
                     "App {app} is not authorized to Create meeting on behalf of user {user}"),
    "filter": (400, "BadRequest", "Filter on JoinWebUrl is required."),
    "organizer": (400, "ErrorInvalidRequest", "Your request can't be completed. You need to "
                  "be an organizer to cancel a meeting."),
    "duplicate": (409, "ErrorDuplicateTransactionId",
                  "An item with this transactionId already exists."),
    "segment": (400, "BadRequest", "Resource not found for the segment '{segment}'."),
    "unavailable": (503, "serviceNotAvailable", "Service Unavailable"),
    "TooManyRequests": (429, "TooManyRequests", "Please retry again later."),
    "ApplicationThrottled": (429, "ApplicationThrottled",
                             "Application is over its request limit."),
}
# fmt: on


def graph_error(kind: str, headers: Mapping[str, str] | None = None, /, **fmt: str) -> Response:
    status, code, message = GRAPH[kind]
    inner = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": str(uuid.uuid4()),
        "client-request-id": str(uuid.uuid4()),
    }
    body = {"error": {"code": code, "message": message.format(**fmt), "innerError": inner}}
    return Response.json(status, body, headers)


class Refusal(Exception):
    """Raised inside a handler to answer with `response` instead."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def refuse(kind: str, **fmt: str) -> Refusal:
    return Refusal(graph_error(kind, **fmt))


def handler(func: Callable[..., Response]) -> Callable[..., Response]:
    """Run a route under the fake's lock and turn a Refusal into its response."""

    @functools.wraps(func)
    def run(self: Any, request: Request, **groups: str) -> Response:
        with self.lock:
            try:
                return func(self, request, **groups)
            except Refusal as refusal:
                return refusal.response

    return run


@dataclass
class User:
    id: str
    email: str
    name: str
    personal: bool
    teams_policy: bool = False
    teams: bool = True  # False: a work account without a Teams license


@dataclass
class Token:
    email: str | None  # None: app-only
    scopes: frozenset[str]
    expires_at: float
    issued_at: float = field(default_factory=time.time)
    revoked: bool = False


@dataclass
class Grant:
    email: str
    redirect_uri: str
    scopes: frozenset[str]
    challenge: str
    method: str
    expires_at: float
    used: bool = False


@dataclass
class Event:
    id: str
    mailbox: str  # lower-case address of the calendar's owner
    fields: dict[str, Any]
    start: datetime
    end: datetime
    zone: str
    pending_reads: int = 0
    deleted: bool = False
    cancelled: bool = False
    history: list[str] = field(default_factory=list)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def wall(moment: datetime, zone: ZoneInfo | Any, zone_name: str) -> dict[str, str]:
    return {
        "dateTime": moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S.0000000"),
        "timeZone": zone_name,
    }


def attendee(address: str, kind: str = "required", name: str = "") -> dict[str, Any]:
    return {
        "type": kind,
        "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
        "emailAddress": {"name": name or address, "address": address},
    }
