"""Google Meet links, made as events on the host's Google Calendar.

Google has no separate Meet API for scheduled meetings: a meeting is a Calendar v3 event
with a conference request. The traps, and what this module does about each:

- Without ``conferenceDataVersion=1`` Google silently drops ``conferenceData`` (no link,
  no error), on insert and on every later patch. Every write here sends it.
- Idempotency: the event ``id`` is our meeting key (base32hex, valid as an event id), so
  a retried insert gets 409 ``duplicate`` and we read the event the first try made. The
  conference ``requestId`` is the key too, so Google ignores a repeated conference request.
- The conference may come back ``pending``: we re-read a few times for about three seconds,
  then return ``MeetingInfo(pending=True)`` so the pipeline calls `refresh_info` later.
  ``failure`` is transient; the next attempt asks for a new conference on the same event.
- ``sendUpdates=none``: Convener sends its own ICS invitations, Google must not send more.
- Deleted events linger as ``status: cancelled``; deleting again answers 410. Both count
  as cancelled; a create for a key whose event was deleted restores that event.

Errors are mapped in `errors.py`; event shapes live in `events.py`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx2

from convener.providers import bridge
from convener.providers.base import (
    BusyInterval,
    CalendarEntry,
    Capabilities,
    CapabilityMissing,
    MeetingGone,
    MeetingInfo,
    MeetingSpec,
    Person,
    Provider,
    ProviderError,
)
from convener.providers.google_meet import events
from convener.providers.google_meet.errors import (
    error_from_response,
    error_from_transport,
    parse_error,
)

CALENDAR = "primary"
# Every write: keep conference data (trap 1) and send no Google invitations.
WRITE_PARAMS = {"conferenceDataVersion": "1", "sendUpdates": "none"}
# A calendar entry has no conference to keep; Google must still send no invitations.
ENTRY_PARAMS = {"sendUpdates": "none"}
# Re-reads of a pending conference: about three seconds in all, then hand back "pending".
PENDING_DELAYS = (0.5, 1.0, 1.5)


class GoogleMeetProvider(Provider):
    slug = "google_meet"
    name = "Google Meet"
    capabilities = Capabilities(
        needs_connection=True,
        calendar_event=True,
        free_busy=True,
        passcode=False,  # Meet has no passcodes; access is controlled by the organizer
        idempotent_create=True,
        daily_writes_per_host=None,
        # Google allows 600 requests per minute per user (10/s); writing to one calendar
        # in quick succession hits "operational limits" sooner, so half of that.
        requests_per_second=5.0,
    )

    def __init__(
        self,
        *,
        http: httpx2.Client,
        app_only: bool = False,
        sleep: Callable[[float], None] = bridge.pause,
        pending_delays: Sequence[float] = PENDING_DELAYS,
    ) -> None:
        self.http = http
        self.app_only = app_only
        self.sleep = sleep
        self.pending_delays = tuple(pending_delays)

    # -- the Provider contract ------------------------------------------------------
    def create(self, spec: MeetingSpec, *, reconcile: bool = False) -> MeetingInfo:
        """Insert the event with our key as its id. `reconcile` needs no extra call here:
        Google itself refuses a second event with the same id (409), whatever the cause."""
        self._require_user_calendar()
        body = events.event_body(spec)
        body["id"] = spec.key
        body["conferenceData"] = events.conference_request(spec.key)
        action = "create the meeting"
        response = self._send("POST", self._events_path(), action=action, json=body)
        if response.status_code == 409 and parse_error(response).reason == "duplicate":
            # An earlier attempt made it (maybe its answer was lost on the way back).
            return self._adopt(spec)
        if response.status_code == 404:
            raise ProviderError(
                "The Google account has no primary calendar (404); is Google Calendar"
                " enabled for it?",
                permanent=True,
                status=404,
                code="notFound",
            )
        event = self._event(response, action=action)
        # This very request asked for the conference: a failure is reported, and the
        # next attempt (through the 409 path) asks again with a fresh request id.
        return self._settle(event, rerequest=False)

    def update(self, meeting_id: str, spec: MeetingSpec) -> MeetingInfo:
        """Patch times, title, description and guests. The conference is left alone (the
        link stays the same); if it is missing or failed, a new one is requested."""
        self._require_user_calendar()
        action = "update the meeting"
        response = self._send(
            "PATCH", self._event_path(meeting_id), action=action, json=events.event_body(spec)
        )
        event = self._event(response, action=action)
        if events.is_cancelled(event):
            raise MeetingGone(
                "The Google Calendar event was deleted in Google Calendar", code="cancelled"
            )
        return self._settle(event, rerequest=True)

    def cancel(self, meeting_id: str) -> None:
        """Delete the event; 410 (deleted before) and 404 (never there) count as done."""
        self._require_user_calendar()
        action = "cancel the meeting"
        response = self._send(
            "DELETE", self._event_path(meeting_id), action=action, params={"sendUpdates": "none"}
        )
        if response.status_code in {404, 410} or response.is_success:
            return
        raise error_from_response(response, action=action)

    def find(self, spec: MeetingSpec) -> str | None:
        """The event id is the key, so a made event is read back by it."""
        self._require_user_calendar()
        try:
            self._get(spec.key)
        except MeetingGone:
            return None
        return spec.key

    def refresh_info(self, meeting_id: str) -> MeetingInfo:
        """Read the event again, for a conference that was pending. A conference that
        failed (or vanished) is requested again, because the link is what the caller needs."""
        self._require_user_calendar()
        event = self._get(meeting_id)
        return self._settle(event, rerequest=True)

    def free_busy(self, host: Person | None, start: datetime, end: datetime) -> list[BusyInterval]:
        """Busy times of the connected account's primary calendar (of `host` only for an
        organization credential, which Google Meet does not use)."""
        for name, value in (("start", start), ("end", end)):
            if value.tzinfo is None or value.utcoffset() is None:
                raise ProviderError(f"{name}: a time zone offset is required", permanent=True)
        if end <= start:
            return []
        calendar_id = host.email if self.app_only and host and host.email else CALENDAR
        action = "read free/busy times"
        response = self._send(
            "POST",
            "/calendar/v3/freeBusy",
            action=action,
            params=None,
            json=events.free_busy_body(calendar_id, start, end),
        )
        if not response.is_success:
            raise error_from_response(response, action=action)
        return events.busy_intervals(self._json(response, action=action), calendar_id)

    def put_calendar_entry(self, entry: CalendarEntry, entry_id: str) -> str:
        """Insert the entry with its key as the event id, or patch it. A retried insert
        gets 409 duplicate (the first try made it), and is a patch of that event."""
        self._require_user_calendar()
        body = events.entry_body(entry)
        if not entry_id:
            action = "put the event in the host's Google Calendar"
            response = self._send(
                "POST",
                self._events_path(),
                action=action,
                json=body | {"id": entry.event.key},
                params=ENTRY_PARAMS,
            )
            if not (response.status_code == 409 and parse_error(response).reason == "duplicate"):
                return events.event_id(self._event(response, action=action))
            entry_id = entry.event.key
        action = "update the event in the host's Google Calendar"
        response = self._send(
            "PATCH", self._event_path(entry_id), action=action, json=body, params=ENTRY_PARAMS
        )
        if response.status_code in {404, 410}:
            raise MeetingGone("The event is no longer in the host's Google Calendar")
        return events.event_id(self._event(response, action=action))

    def remove_calendar_entry(self, entry_id: str) -> None:
        # An entry is an event of the same calendar: deleted as a meeting's event is.
        self.cancel(entry_id)

    # -- steps ----------------------------------------------------------------------
    def _adopt(self, spec: MeetingSpec) -> MeetingInfo:
        """Take over the event an earlier attempt made for this key."""
        try:
            event = self._get(spec.key, allow_cancelled=True)
        except MeetingGone:
            # 409 says the id is taken, yet the event cannot be read: it was purged or lives
            # where this account cannot see it. No retry of this key can succeed.
            raise ProviderError(
                "Google Calendar says an event with this meeting's id already exists but"
                " will not show it to the connected account",
                permanent=True,
                status=409,
                code="duplicate",
            ) from None
        if events.differs(event, spec):
            # Deleted since (restore it: the meeting is wanted again) or the spec changed
            # between attempts: bring it up to date in one patch.
            body = events.event_body(spec)
            body["status"] = "confirmed"
            response = self._send(
                "PATCH",
                self._event_path(spec.key),
                action="bring the meeting up to date",
                json=body,
            )
            event = self._event(response, action="bring the meeting up to date")
        return self._settle(event, rerequest=True)

    def _settle(self, event: Mapping[str, Any], *, rerequest: bool) -> MeetingInfo:
        """Turn an event into MeetingInfo: ask for a missing conference, wait out pending."""
        identifier = events.event_id(event)
        state = events.conference_state(event)
        if state in {"failed", "missing"} and rerequest:
            # A new request id: Google ignores a repeated one, failed or not.
            body = {"conferenceData": events.conference_request(_fresh_request_id(identifier))}
            response = self._send(
                "PATCH", self._event_path(identifier), action="add a Meet link", json=body
            )
            event = self._event(response, action="add a Meet link")
            state = events.conference_state(event)
        for delay in self.pending_delays:
            if state != "pending":
                break
            self.sleep(delay)
            event = self._get(identifier)
            state = events.conference_state(event)
        if state in {"ready", "pending"}:
            return events.meeting_info(event)
        if state == "failed":
            raise ProviderError(
                "Google could not make the Meet conference for the event (status: failure);"
                " will ask again",
                permanent=False,
                code="conferenceFailed",
            )
        raise ProviderError(
            "Google made the calendar event without a Meet link; will ask again",
            permanent=False,
            code="conferenceMissing",
        )

    # -- HTTP -----------------------------------------------------------------------
    def _require_user_calendar(self) -> None:
        if self.app_only:
            raise CapabilityMissing(
                "Google Meet links can only be made on a user's calendar: connect a Google"
                " account, or a service account with domain-wide delegation acting as each"
                " host"
            )

    def _events_path(self) -> str:
        return f"/calendar/v3/calendars/{CALENDAR}/events"

    def _event_path(self, meeting_id: str) -> str:
        if not meeting_id:
            raise ProviderError("meeting_id: empty Google Calendar event id", permanent=True)
        return f"{self._events_path()}/{quote(meeting_id, safe='')}"

    def _send(
        self,
        method: str,
        path: str,
        *,
        action: str,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = WRITE_PARAMS,
    ) -> httpx2.Response:
        try:
            return self.http.request(method, path, params=params, json=json)
        except httpx2.TransportError as exc:
            raise error_from_transport(exc, action=action) from None

    def _get(self, meeting_id: str, *, allow_cancelled: bool = False) -> Mapping[str, Any]:
        action = "read the meeting"
        response = self._send("GET", self._event_path(meeting_id), action=action, params=None)
        event = self._event(response, action=action)
        if events.is_cancelled(event) and not allow_cancelled:
            raise MeetingGone(
                "The Google Calendar event was deleted in Google Calendar", code="cancelled"
            )
        return event

    def _event(self, response: httpx2.Response, *, action: str) -> Mapping[str, Any]:
        if not response.is_success:
            raise error_from_response(response, action=action)
        return self._json(response, action=action)

    def _json(self, response: httpx2.Response, *, action: str) -> Mapping[str, Any]:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise ProviderError(
                f"Google Calendar answered the request to {action} with something that is"
                f" not a JSON object (HTTP {response.status_code}); retrying",
                permanent=False,
                status=response.status_code,
                code="malformed",
            )
        return payload


def _fresh_request_id(event_id: str) -> str:
    # Unique per request; the event id keeps it traceable in Google's logs.
    return f"{event_id}-{secrets.token_hex(6)}"
