"""Zoom meetings through API v2.

Zoom has no idempotency key, so every meeting we create carries a marker line in its
agenda, `[convener:{key}]`. A retried create (`reconcile=True`) first lists the host's
scheduled meetings and adopts the one with the marker; only when none has it does it
create. Other traps handled here:

- PATCH answers 204 with no body: read the meeting back with GET.
- `start_url` is the host's link and expires after 2 hours: never kept nor returned.
- 100 creates+updates per host per UTC day: QuotaExhausted with the time to 00:00 UTC.
- Server-to-Server tokens cannot use `/users/me`: app-only accounts act on the host's email.

https://developers.zoom.us/docs/api/meetings/#tag/meetings
"""

from __future__ import annotations

import logging
import math
import re
from datetime import UTC, datetime
from typing import Any

import httpx2

from convener.providers.base import (
    Capabilities,
    MeetingGone,
    MeetingInfo,
    MeetingSpec,
    Provider,
    ProviderError,
)
from convener.providers.zoom.api import Call, malformed, read_object, send, user_path
from convener.providers.zoom.errors import USER_NOT_FOUND, USER_NOT_IN_ACCOUNT

logger = logging.getLogger(__name__)

TOPIC_LIMIT = 200  # characters, Zoom's limit for `topic`
AGENDA_LIMIT = 2000  # characters, Zoom's limit for `agenda`
LIST_PAGE_SIZE = 300  # Zoom's maximum page size for the meeting list
MAX_LIST_PAGES = 100  # 30,000 meetings: beyond that something else is wrong
SCHEDULED = 2  # meeting type: a one-off meeting at a fixed time
# Zoom's passcode rule: at most 10 characters of letters, digits and @ - _ *
PASSCODE = re.compile(r"[A-Za-z0-9@\-_*]{1,10}")

WRITE = "meeting:write"
READ = "meeting:read"


def marker(key: str) -> str:
    """The line that identifies our meeting among the host's, since Zoom keeps no key."""
    return f"[convener:{key}]"


def _trim(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def agenda_for(spec: MeetingSpec) -> str:
    """The description, trimmed so the agenda stays within Zoom's limit, then the marker.

    The marker goes last so that people reading the invitation see the description first;
    trimming the description (never the marker) keeps reconciliation working.
    """
    mark = marker(spec.key)
    description = spec.description.strip()
    if not description:
        return mark
    return f"{_trim(description, AGENDA_LIMIT - len(mark) - 2)}\n\n{mark}"


# The longest description that reaches Zoom whole: the agenda also carries the marker of
# a meeting key (26 characters) and the blank line before it. Convener refuses longer
# ones for Zoom meetings instead of cutting them short.
DESCRIPTION_LIMIT = AGENDA_LIMIT - len(marker("0" * 26)) - 2


def zoom_time(moment: datetime) -> str:
    """UTC with a Z: Zoom then ignores `timezone` for the instant and uses it for display."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_spec(spec: MeetingSpec) -> None:
    """Refuse what Zoom would refuse, before spending one of the host's 100 daily writes."""
    if spec.start.tzinfo is None or spec.end.tzinfo is None:
        raise ProviderError(
            "The meeting's start and end must carry a time zone", permanent=True, code="naive_time"
        )
    if spec.end <= spec.start:
        raise ProviderError(
            "The meeting's end must be after its start", permanent=True, code="invalid_end"
        )
    if spec.passcode and not PASSCODE.fullmatch(spec.passcode):
        bad = sorted({c for c in spec.passcode if not PASSCODE.fullmatch(c)})
        detail = (
            f"it has {len(spec.passcode)} characters"
            if len(spec.passcode) > 10
            else f"it contains {' '.join(repr(c) for c in bad)}"
        )
        raise ProviderError(
            "The passcode is not valid for Zoom: use at most 10 characters from letters, "
            f"digits and @ - _ * ({detail})",
            permanent=True,
            code="invalid_passcode",
        )


def meeting_body(spec: MeetingSpec) -> dict[str, Any]:
    """The fields we own on a Zoom meeting (create and update send the same ones)."""
    minutes = max(1, math.ceil((spec.end - spec.start).total_seconds() / 60))
    body: dict[str, Any] = {
        "topic": _trim(spec.title.strip() or "Meeting", TOPIC_LIMIT),
        "type": SCHEDULED,
        "start_time": zoom_time(spec.start),
        "duration": minutes,
        "timezone": spec.timezone,
        "agenda": agenda_for(spec),
    }
    if spec.passcode:
        body["password"] = spec.passcode
    return body


def _dial_in(settings: object) -> tuple[str, ...]:
    if not isinstance(settings, dict):
        return ()
    numbers = []
    for entry in settings.get("global_dial_in_numbers") or ():
        if not isinstance(entry, dict) or not entry.get("number"):
            continue
        place = ", ".join(
            str(entry[k]) for k in ("city", "country") if isinstance(entry.get(k), str) and entry[k]
        )
        numbers.append(f"{entry['number']} ({place})" if place else str(entry["number"]))
    return tuple(numbers)


def meeting_info(data: dict[str, Any], call: Call) -> MeetingInfo:
    """MeetingInfo from a Zoom meeting object. `start_url` is deliberately ignored."""
    meeting_id = data.get("id")
    if meeting_id is None or isinstance(meeting_id, bool) or str(meeting_id).strip() == "":
        raise malformed("the meeting id", call)
    join_url = data.get("join_url")
    if not isinstance(join_url, str) or not join_url:
        raise malformed("the join_url", call)
    extra = {
        name: str(data[name])
        for name in ("uuid", "host_id", "host_email")
        if isinstance(data.get(name), str) and data[name]
    }
    password = data.get("password")
    return MeetingInfo(
        meeting_id=str(meeting_id),
        join_url=join_url,
        passcode=password if isinstance(password, str) else "",
        conference_id=str(meeting_id),
        dial_in=_dial_in(data.get("settings")),
        extra=extra,
    )


def _same_instant(value: object, moment: datetime) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None and parsed == moment.replace(microsecond=0)


def differs(data: dict[str, Any], body: dict[str, Any], spec: MeetingSpec) -> bool:
    """Whether a meeting found by reconciliation no longer matches the spec (it was made
    by an earlier attempt and the meeting has been edited in Convener since)."""
    return (
        not _same_instant(data.get("start_time"), spec.start)
        or data.get("duration") != body["duration"]
        or data.get("timezone") != body["timezone"]
        or data.get("topic") != body["topic"]
        or ("password" in body and data.get("password") != body["password"])
    )


class ZoomProvider(Provider):
    slug = "zoom"
    name = "Zoom"
    capabilities = Capabilities(
        needs_connection=True,
        calendar_event=False,  # a Zoom meeting is on no calendar: Convener sends the ICS
        free_busy=False,  # Zoom has no calendar to read
        passcode=True,
        idempotent_create=False,  # reconciled through the agenda marker instead
        daily_writes_per_host=100,
        description_limit=DESCRIPTION_LIMIT,
        # Create is a "Medium" API: 2 requests/s on Free accounts, 20+ on paid plans. The
        # lowest plan's pace is the one that is safe for every account.
        requests_per_second=2.0,
    )

    def __init__(
        self, *, http: httpx2.Client, app_only: bool = False, default_host: str = ""
    ) -> None:
        self.http = http
        self.app_only = app_only
        self.default_host = default_host.strip()

    def _host(self, spec: MeetingSpec) -> tuple[str, str | None]:
        """The user path segment and the host's email for messages.

        A user's own OAuth connection acts as `me` (the signed-in user); a Server-to-Server
        token has no user of its own, so the meeting is made for the spec's host when
        they are a user at the account, else for the connection's default host."""
        email = spec.host.email if spec.host and spec.host.email else None
        if not self.app_only:
            return "me", email
        other = email and self.default_host and email.lower() != self.default_host.lower()
        if other and not self._is_user(str(email)):
            email = None  # no user at the account: the default host makes it
        email = email or self.default_host or None
        if not email:
            raise ProviderError(
                "A Zoom Server-to-Server account needs the host's email to make a meeting: "
                "set a default host in the connection's settings (Connections page)",
                permanent=True,
                code="host_missing",
            )
        return user_path(email), email

    def _is_user(self, email: str) -> bool:
        """Whether `email` is a user at the account (GET /users/{email}); a 404 with code
        1001 ("User does not exist") or 1010 (not in this account) means no."""
        call = Call("read the host's Zoom profile", "user:read:admin", host=email)
        try:
            send(self.http, "GET", f"/v2/users/{user_path(email)}", call)
        except ProviderError as exc:
            if exc.code in {str(USER_NOT_FOUND), str(USER_NOT_IN_ACCOUNT)}:
                return False
            raise
        return True

    def create(self, spec: MeetingSpec, *, reconcile: bool = False) -> MeetingInfo:
        check_spec(spec)
        user, email = self._host(spec)
        body = meeting_body(spec)
        if reconcile:
            found = self._find(user, email, spec)
            if found is not None:
                try:
                    return self._adopt(found, body, spec, email)
                except MeetingGone:
                    logger.info("zoom meeting %s for key %s vanished; creating", found, spec.key)
        call = Call("create the meeting", WRITE, host=email)
        # waiting room on, no joining before the host: Zoom's own secure defaults, set
        # explicitly because accounts can change them (only on create; later edits in
        # Zoom by the host are respected).
        payload = {**body, "settings": {"join_before_host": False, "waiting_room": True}}
        response = send(self.http, "POST", f"/v2/users/{user}/meetings", call, json=payload)
        return meeting_info(read_object(response, call), call)

    def find(self, spec: MeetingSpec) -> str | None:
        check_spec(spec)
        user, email = self._host(spec)
        return self._find(user, email, spec)

    def _find(self, user: str, email: str | None, spec: MeetingSpec) -> str | None:
        """The id of the host's meeting carrying this key's marker, or None.

        `type=scheduled` covers upcoming meetings and past ones that have not expired, so
        a meeting due now is found too. Any doubt (a malformed page, a looping page token)
        raises instead of answering None: None means "create", and a wrong None is a
        duplicate meeting."""
        call = Call("list the host's meetings", READ, host=email)
        mark = marker(spec.key)
        params = {"type": "scheduled", "page_size": str(LIST_PAGE_SIZE)}
        seen: set[str] = set()
        for _ in range(MAX_LIST_PAGES):
            response = send(self.http, "GET", f"/v2/users/{user}/meetings", call, params=params)
            data = read_object(response, call)
            meetings = data.get("meetings")
            if not isinstance(meetings, list):
                raise malformed("the meetings list", call)
            for item in meetings:
                if isinstance(item, dict) and mark in str(item.get("agenda") or ""):
                    if item.get("id") is None:
                        raise malformed("the id of a listed meeting", call)
                    return str(item["id"])
            token = data.get("next_page_token")
            if not token:
                return None
            if not isinstance(token, str) or token in seen:
                raise malformed("a usable next_page_token", call)
            seen.add(token)
            params["next_page_token"] = token
        raise ProviderError(
            f"{email or 'The host'} has more than {MAX_LIST_PAGES * LIST_PAGE_SIZE} scheduled "
            "Zoom meetings; cannot check whether this meeting already exists",
            permanent=True,
            code="too_many_meetings",
        )

    def _adopt(
        self, meeting_id: str, body: dict[str, Any], spec: MeetingSpec, email: str | None
    ) -> MeetingInfo:
        """Return the meeting an earlier attempt made, brought up to date with the spec."""
        logger.info("zoom meeting %s already exists for key %s", meeting_id, spec.key)
        data = self._get(meeting_id, email)
        if differs(data, body, spec):
            return self.update(meeting_id, spec)
        return meeting_info(data, Call("read the meeting", READ, meeting_id=meeting_id))

    def _get(self, meeting_id: str, email: str | None = None) -> dict[str, Any]:
        call = Call("read the meeting", READ, host=email, meeting_id=meeting_id)
        response = send(self.http, "GET", f"/v2/meetings/{user_path(meeting_id)}", call)
        return read_object(response, call)

    def update(self, meeting_id: str, spec: MeetingSpec) -> MeetingInfo:
        check_spec(spec)
        email = spec.host.email if spec.host and spec.host.email else None
        call = Call("update the meeting", WRITE, host=email, meeting_id=meeting_id)
        # 204 with no body: Zoom says nothing about the result, so read it back.
        send(
            self.http,
            "PATCH",
            f"/v2/meetings/{user_path(meeting_id)}",
            call,
            json=meeting_body(spec),
        )
        return meeting_info(self._get(meeting_id, email), call)

    def cancel(self, meeting_id: str) -> None:
        call = Call("delete the meeting", WRITE, meeting_id=meeting_id)
        try:
            # No cancel_meeting_reminder: Convener sends its own ICS CANCEL.
            send(self.http, "DELETE", f"/v2/meetings/{user_path(meeting_id)}", call)
        except MeetingGone:
            logger.info("zoom meeting %s was already gone", meeting_id)

    def refresh_info(self, meeting_id: str) -> MeetingInfo:
        return meeting_info(
            self._get(meeting_id), Call("read the meeting", READ, meeting_id=meeting_id)
        )
