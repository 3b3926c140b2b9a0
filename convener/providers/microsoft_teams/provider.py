"""Microsoft Teams meetings as Outlook calendar events, through Microsoft Graph.

We use the event path (`POST /v1.0/me/events` with `isOnlineMeeting` and
`onlineMeetingProvider: teamsForBusiness`) rather than the standalone onlineMeetings API:
the meeting then sits on the host's calendar, Outlook keeps it in step with the Teams
meeting, and moving the event keeps the link.

Idempotency: every create carries `transactionId = spec.key`; Graph answers a repeated
transactionId with the event the first request made instead of a second one, so a retry
after a timeout or a dropped connection needs no extra lookup. If Graph ever answers 409
instead, we find that event in the calendar by its transactionId.

Connections are delegated (a signed-in user: paths under /me) or app-only (client
credentials: Graph refuses /me, so paths name the host, /users/{email}). The pipeline
hands update/cancel/refresh only a meeting id, so for app-only connections the meeting id
carries the mailbox as `{host email}:{event id}` (Graph ids are base64 and never contain
a colon).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

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
from convener.providers.microsoft_teams.client import (
    ME,
    body_object,
    event_path,
    send,
    text_field,
    user_path,
)
from convener.providers.microsoft_teams.errors import envelope, graph_error, malformed
from convener.providers.microsoft_teams.schedule import busy_intervals, schedule_request
from convener.providers.microsoft_teams.times import graph_time

TEAMS = "teamsForBusiness"
SUBJECT_LIMIT = 255  # Exchange's limit for an item subject


class MicrosoftTeamsProvider(Provider):
    slug = "microsoft_teams"
    name = "Microsoft Teams"
    capabilities = Capabilities(
        calendar_event=True,
        free_busy=True,
        # Teams generates its own passcode (in the invitation body); the event path has
        # no field to set one.
        passcode=False,
        idempotent_create=True,  # transactionId
        # Outlook allows 10,000 requests per 10 minutes and 4 concurrent per app and
        # mailbox; 4 a second stays well inside both.
        requests_per_second=4.0,
    )

    def __init__(
        self,
        *,
        http: httpx2.Client,
        app_only: bool = False,
        link_rereads: int = 2,
        reread_delay: float = 1.0,
        sleep: Callable[[float], None] = bridge.pause,
    ) -> None:
        self.http = http
        self.app_only = app_only
        # Graph sometimes answers isOnlineMeeting=true before the Teams meeting behind it
        # exists; a couple of short re-reads usually find the link, after that the meeting
        # is returned as pending and the pipeline calls refresh_info later.
        self.link_rereads = max(0, link_rereads)
        self.reread_delay = max(0.0, reread_delay)
        self.sleep = sleep
        self._own_address = ""

    # -- where the meeting lives ---------------------------------------------------------
    def _mailbox(self, host: Person | None) -> str:
        if not self.app_only:
            return ME
        if host is None or not host.email.strip():
            raise ProviderError(
                "this Microsoft connection is app-only (an organization credential), so each "
                "meeting needs a host: the user whose calendar holds it",
                permanent=True,
            )
        return user_path(host.email)

    def _meeting_id(self, owner: str, event_id: str) -> str:
        return f"{owner}:{event_id}" if self.app_only else event_id

    def _locate(self, meeting_id: str, host: Person | None = None) -> tuple[str, str, str]:
        """(mailbox path, event id, owner address for app-only ids) of a meeting id."""
        owner, colon, event_id = meeting_id.partition(":")
        if colon:
            return (user_path(owner), event_id, owner) if self.app_only else (ME, event_id, "")
        mailbox = self._mailbox(host)  # an id from before the connection became app-only
        return mailbox, meeting_id, (host.email.strip() if self.app_only and host else "")

    # -- the event ---------------------------------------------------------------------
    def _event_fields(self, spec: MeetingSpec, *, force_utc: bool) -> dict[str, Any]:
        if spec.start.tzinfo is None or spec.end.tzinfo is None:
            raise ProviderError("meeting times must be timezone-aware", permanent=True)
        if spec.end <= spec.start:
            raise ProviderError("the meeting must end after it starts", permanent=True)
        host = (spec.host.email.strip().lower() if spec.host else "") or None
        attendees: list[dict[str, Any]] = []
        seen: set[str] = set()
        for person in spec.attendees:
            address = person.email.strip()
            if not address or address.lower() in seen or address.lower() == host:
                continue  # the organizer is never their own attendee
            seen.add(address.lower())
            attendees.append(
                {
                    "emailAddress": {"address": address, "name": person.name or address},
                    "type": "required",
                }
            )
        return {
            "subject": spec.title[:SUBJECT_LIMIT],
            "body": {"contentType": "HTML", "content": _html(spec.description)},
            "start": graph_time(spec.start, spec.timezone, force_utc=force_utc),
            "end": graph_time(spec.end, spec.timezone, force_utc=force_utc),
            "attendees": attendees,
        }

    def _write_event(
        self,
        method: str,
        path: str,
        spec: MeetingSpec,
        extra: dict[str, Any],
        *,
        action: str,
        with_body: bool = True,
    ) -> httpx2.Response:
        """POST or PATCH the event; if Graph does not know the meeting's zone name (its
        IANA list trails the tz database), send the same instants in UTC instead."""
        for force_utc in (False, True):
            fields = self._event_fields(spec, force_utc=force_utc)
            if not with_body:
                del fields["body"]
            response = send(
                self.http, method, path, action=action, json=fields | extra, tolerate=(400, 409)
            )
            if response.status_code != 400:
                return response
            code, message = envelope(response)
            if force_utc or "timezone" not in (code + message).lower():
                break
        raise graph_error(response, action=action)

    def create(self, spec: MeetingSpec, *, reconcile: bool = False) -> MeetingInfo:
        """`reconcile` needs no extra work here: Graph deduplicates by transactionId."""
        action = "create the Teams meeting"
        mailbox = self._mailbox(spec.host)
        extra = {"isOnlineMeeting": True, "onlineMeetingProvider": TEAMS, "transactionId": spec.key}
        response = self._write_event("POST", f"{mailbox}/events", spec, extra, action=action)
        if response.status_code == 409:
            event = self._find_by_transaction(mailbox, spec)
            if event is None:
                raise graph_error(response, action=action)
        else:
            event = body_object(response, action=action)
        event_id = text_field(event, "id")
        if not event_id:
            raise malformed("the event id", action=action)
        # Graph does not refuse a Teams meeting it cannot make: it makes a plain event
        # (isOnlineMeeting false) or, in old tenants, another provider's meeting.
        made_by = event.get("onlineMeetingProvider")
        if event.get("isOnlineMeeting") is False or made_by not in (None, TEAMS):
            raise self._refuse_without_teams(mailbox, event_id, event)
        owner = spec.host.email.strip() if self.app_only and spec.host else ""
        return self._await_link(mailbox, event_id, self._info(owner, event_id, event))

    def find(self, spec: MeetingSpec) -> str | None:
        mailbox = self._mailbox(spec.host)
        event = self._find_by_transaction(mailbox, spec)
        event_id = text_field(event, "id") if event is not None else ""
        if not event_id:
            return None
        owner = spec.host.email.strip() if self.app_only and spec.host else ""
        return self._meeting_id(owner, event_id)

    def _find_by_transaction(self, mailbox: str, spec: MeetingSpec) -> dict[str, Any] | None:
        """The event a first attempt made, found by its transactionId around its time."""
        action = "look for the Teams meeting made by an earlier attempt"
        params = {
            "startDateTime": (spec.start - timedelta(minutes=1)).astimezone(UTC).isoformat(),
            "endDateTime": (spec.end + timedelta(minutes=1)).astimezone(UTC).isoformat(),
            "$top": "100",
        }
        response = send(self.http, "GET", f"{mailbox}/calendarView", action=action, params=params)
        for event in body_object(response, action=action).get("value") or []:
            if isinstance(event, dict) and event.get("transactionId") == spec.key:
                return event
        return None

    def _refuse_without_teams(
        self, mailbox: str, event_id: str, event: dict[str, Any]
    ) -> CapabilityMissing:
        """Graph made a plain event (personal Microsoft accounts, mailboxes without
        Teams): remove it so the calendar and the attendees are not left with a meeting
        that has no link, and say what is missing. Never fall back to another provider."""
        try:
            self._remove(mailbox, event_id)
            removed = "; the event it made without a link was removed"
        except ProviderError:
            removed = "; the event it made without a link could not be removed"
        return self._no_teams(
            event, "Microsoft made the calendar event without a Teams link", removed
        )

    def _no_teams(self, event: dict[str, Any], what: str, removed: str = "") -> CapabilityMissing:
        provider = text_field(event, "onlineMeetingProvider") or "none"
        return CapabilityMissing(
            f"{what} (online meeting provider: {provider}): personal Microsoft accounts "
            "cannot create Teams meetings, so connect a work or school account with Teams "
            "enabled" + removed,
            code="TeamsNotAvailable",
        )

    def _info(self, owner: str, event_id: str, event: dict[str, Any]) -> MeetingInfo:
        online = event.get("onlineMeeting")
        online = online if isinstance(online, dict) else {}
        join_url = text_field(online, "joinUrl") or text_field(event, "onlineMeetingUrl")
        if not join_url.startswith(("https://", "http://")):
            join_url = ""
        dial_in = [text_field(online, "tollNumber")]
        dial_in += [n for n in online.get("tollFreeNumbers") or [] if isinstance(n, str)]
        dial_in += [
            text_field(phone, "number")
            for phone in online.get("phones") or []
            if isinstance(phone, dict)
        ]
        extra = {name: text_field(event, name) for name in ("iCalUId", "webLink")}
        return MeetingInfo(
            meeting_id=self._meeting_id(owner, event_id),
            join_url=join_url,
            conference_id=text_field(online, "conferenceId"),
            dial_in=tuple(dict.fromkeys(n.strip() for n in dial_in if n and n.strip())),
            pending=not join_url,
            extra={name: value for name, value in extra.items() if value},
        )

    def _await_link(self, mailbox: str, event_id: str, info: MeetingInfo) -> MeetingInfo:
        owner = info.meeting_id.partition(":")[0] if self.app_only else ""
        for attempt in range(self.link_rereads):
            if info.join_url:
                break
            self.sleep(self.reread_delay * (attempt + 1))
            info = self._info(owner, event_id, self._read(mailbox, event_id))
        return info

    def _read(self, mailbox: str, event_id: str) -> dict[str, Any]:
        action = "read the Teams meeting"
        response = send(self.http, "GET", event_path(mailbox, event_id), action=action)
        event = body_object(response, action=action)
        if event.get("isCancelled") is True:
            raise MeetingGone("the Teams meeting was cancelled in Outlook", code="isCancelled")
        return event

    def update(self, meeting_id: str, spec: MeetingSpec) -> MeetingInfo:
        """Move, rename or re-invite, keeping the Teams link.

        The body is never sent: Outlook keeps the Teams join block inside the body, and a
        PATCH whose body lacks it drops the online meeting or makes a new one (reported
        in microsoftgraph/microsoft-graph-docs#16336, #18056, #18896). The description
        written at create stays; Convener's own invitations carry the current one. If
        the link is gone anyway (edited in Outlook), asking for a Teams meeting again
        restores one, and the new link is returned.
        """
        action = "update the Teams meeting"
        mailbox, event_id, owner = self._locate(meeting_id, spec.host)
        path = event_path(mailbox, event_id)
        response = self._write_event("PATCH", path, spec, {}, action=action, with_body=False)
        event = body_object(response, action=action)
        if event.get("isCancelled") is True:
            raise MeetingGone("the Teams meeting was cancelled in Outlook", code="isCancelled")
        if event.get("isOnlineMeeting") is False:
            restore = {"isOnlineMeeting": True, "onlineMeetingProvider": TEAMS}
            response = send(self.http, "PATCH", path, action=action, json=restore)
            event = body_object(response, action=action)
            if event.get("isOnlineMeeting") is False:
                raise self._no_teams(event, "the Outlook event lost its Teams meeting")
        return self._await_link(mailbox, event_id, self._info(owner, event_id, event))

    def cancel(self, meeting_id: str) -> None:
        mailbox, event_id, _ = self._locate(meeting_id)
        self._remove(mailbox, event_id)

    def _remove(self, mailbox: str, event_id: str) -> None:
        """Cancel the event so attendees get a cancellation; gone already counts as done.

        `POST …/cancel` is for organizers only and answers 400 otherwise ("You need to be
        an organizer to cancel a meeting."), and Exchange may refuse it for an event that
        has no attendees (an appointment, not a meeting). In both cases DELETE is what
        the account can do: it removes the event from this calendar and, for an
        organizer, the Teams meeting with it.
        """
        path = event_path(mailbox, event_id)
        response = send(
            self.http,
            "POST",
            f"{path}/cancel",
            action="cancel the Teams meeting",
            json={},
            tolerate=(400, 404, 410),
        )
        if response.status_code in (404, 410) or response.status_code < 300:
            return
        send(self.http, "DELETE", path, action="delete the Teams meeting", tolerate=(404, 410))

    def refresh_info(self, meeting_id: str) -> MeetingInfo:
        mailbox, event_id, owner = self._locate(meeting_id)
        event = self._read(mailbox, event_id)
        if event.get("isOnlineMeeting") is False:
            raise self._no_teams(event, "the Outlook event has no Teams meeting")
        return self._info(owner, event_id, event)

    # -- calendar entries (an event for a meeting made elsewhere) ------------------------
    def put_calendar_entry(self, entry: CalendarEntry, entry_id: str) -> str:
        """POST the entry (deduplicated by transactionId, as a meeting is) or PATCH it:
        the fields of a meeting's event, without a Teams meeting and without attendees
        (Outlook would invite them itself, and Graph has no way to say not to). An item
        gone from the calendar is MeetingGone."""
        spec = entry.event
        extra: dict[str, Any] = {
            "location": {"displayName": entry.location},
            "isOnlineMeeting": False,
        }
        if entry_id:
            action = "update the event in the host's Outlook calendar"
            mailbox, event_id, owner = self._locate(entry_id, spec.host)
            response = self._write_event(
                "PATCH", event_path(mailbox, event_id), spec, extra, action=action
            )
        else:
            action = "put the event in the host's Outlook calendar"
            mailbox = self._mailbox(spec.host)
            owner = spec.host.email.strip() if self.app_only and spec.host else ""
            extra["transactionId"] = spec.key
            response = self._write_event("POST", f"{mailbox}/events", spec, extra, action=action)
        if response.status_code == 409:
            raise graph_error(response, action=action)
        event_id = text_field(body_object(response, action=action), "id")
        if not event_id:
            raise malformed("the event id", action=action)
        return self._meeting_id(owner, event_id)

    def remove_calendar_entry(self, entry_id: str) -> None:
        """DELETE: the entry has no attendees to tell, so there is nothing to cancel."""
        mailbox, event_id, _ = self._locate(entry_id)
        path = event_path(mailbox, event_id)
        send(
            self.http,
            "DELETE",
            path,
            action="remove the event from the host's Outlook calendar",
            tolerate=(404, 410),
        )

    # -- free/busy ---------------------------------------------------------------------
    def free_busy(self, host: Person | None, start: datetime, end: datetime) -> list[BusyInterval]:
        """Busy intervals from getSchedule. Tentative, out-of-office and working-elsewhere
        count as busy: the host may well be taken, and a booking over a tentative meeting
        is the double booking people complain about."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ProviderError("free/busy bounds must be timezone-aware", permanent=True)
        mailbox = self._mailbox(host)
        address = host.email.strip() if host and host.email.strip() else self._address()
        action = f"read the free/busy times of {address}"
        found: list[BusyInterval] = []
        for chunk_start, chunk_end in _chunks(start, end):
            response = send(
                self.http,
                "POST",
                f"{mailbox}/calendar/getSchedule",
                action=action,
                json=schedule_request(address, chunk_start, chunk_end),
            )
            found += busy_intervals(
                body_object(response, action=action), address, chunk_start, chunk_end
            )
        return _merge(found)

    def _address(self) -> str:
        """The signed-in user's own address, for getSchedule (delegated only)."""
        if not self._own_address:
            action = "read the connected Microsoft account"
            response = send(
                self.http, "GET", ME, action=action, params={"$select": "mail,userPrincipalName"}
            )
            me = body_object(response, action=action)
            self._own_address = text_field(me, "mail") or text_field(me, "userPrincipalName")
            if not self._own_address:
                raise malformed("the account's address", action=action)
        return self._own_address


def _html(text: str) -> str:
    """The description as HTML: Graph appends the Teams join block to this body."""
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>\n")


# getSchedule refuses long windows (62 days is the reported cap); 31-day slices stay clear.
_CHUNK = timedelta(days=31)


def _chunks(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    while start < end:
        stop = min(end, start + _CHUNK)
        yield start, stop
        start = stop


def _merge(intervals: list[BusyInterval]) -> list[BusyInterval]:
    merged: list[BusyInterval] = []
    for item in sorted(intervals, key=lambda i: (i.start, i.end)):
        if merged and item.start <= merged[-1].end:
            if item.end > merged[-1].end:
                merged[-1] = BusyInterval(merged[-1].start, item.end)
        else:
            merged.append(item)
    return merged
