"""Google Calendar event resources: what we send for a MeetingSpec, what we read back.

Reading is defensive: a missing or odd field never escapes as KeyError or TypeError, it
becomes a transient ProviderError naming what was missing (Google rarely sends broken
events, but proxies and partial outages do).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from convener.providers.base import (
    BusyInterval,
    CalendarEntry,
    MeetingInfo,
    MeetingSpec,
    ProviderError,
)

MEET = "hangoutsMeet"
KEY_PROPERTY = "convenerKey"  # extendedProperties.private marker: which Convener meeting
ENTRY_PROPERTY = "convenerEntry"  # the same for a calendar entry of a Convener event
# Where Google puts a code on an entry point ("At most one of these" per the reference).
_CODE_FIELDS = ("passcode", "password", "meetingCode", "accessCode", "pin")

ConferenceState = Literal["ready", "pending", "failed", "missing"]


def _malformed(what: str) -> ProviderError:
    return ProviderError(
        f"Google Calendar answered with an event without {what}; retrying",
        permanent=False,
        code="malformed",
    )


def _zone(spec: MeetingSpec) -> ZoneInfo:
    try:
        return ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProviderError(
            f"timezone: {spec.timezone!r} is not an IANA time zone", permanent=True, code="input"
        ) from None


def _when(value: datetime, field: str, zone: ZoneInfo, zone_name: str) -> dict[str, str]:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ProviderError(
            f"{field}: {value.isoformat()} has no time zone offset", permanent=True, code="input"
        )
    # The offset makes the instant unambiguous; timeZone tells Google which zone to show
    # (and to use for DST, should the event ever recur).
    return {"dateTime": value.astimezone(zone).isoformat(timespec="seconds"), "timeZone": zone_name}


def event_body(spec: MeetingSpec) -> dict[str, Any]:
    """The writable fields we own, for insert and for patch (no id, no conference)."""
    zone = _zone(spec)
    start = _when(spec.start, "start", zone, spec.timezone)
    end = _when(spec.end, "end", zone, spec.timezone)
    if spec.end <= spec.start:
        raise ProviderError(
            "end: the meeting must end after it starts", permanent=True, code="input"
        )
    attendees = []
    for person in spec.attendees:
        entry = {"email": person.email}
        if person.name:
            entry["displayName"] = person.name
        attendees.append(entry)
    return {
        "summary": spec.title,
        "description": spec.description,
        "start": start,
        "end": end,
        "attendees": attendees,
        "extendedProperties": {"private": {KEY_PROPERTY: spec.key}},
    }


def entry_body(entry: CalendarEntry) -> dict[str, Any]:
    """A calendar entry as an event: no conferenceData (the meeting is elsewhere, and
    without conferenceDataVersion=1 Google would drop it anyway) and no attendees (see
    CalendarEntry). `status` restores an entry deleted in Google Calendar meanwhile; its
    own marker, not a meeting's, so that no meeting is ever found in it."""
    body = event_body(entry.event)
    del body["attendees"]
    body["extendedProperties"] = {"private": {ENTRY_PROPERTY: entry.event.key}}
    return body | {"location": entry.location, "status": "confirmed"}


def conference_request(request_id: str) -> dict[str, Any]:
    """Ask for a new Meet conference. Only honoured with conferenceDataVersion=1."""
    return {"createRequest": {"requestId": request_id, "conferenceSolutionKey": {"type": MEET}}}


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _entry_points(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    points = _mapping(event.get("conferenceData")).get("entryPoints")
    return [p for p in points if isinstance(p, Mapping)] if isinstance(points, list) else []


def _join_url(event: Mapping[str, Any]) -> str:
    link = event.get("hangoutLink")
    if isinstance(link, str) and link:
        return link
    for point in _entry_points(event):
        uri = point.get("uri")
        if point.get("entryPointType") == "video" and isinstance(uri, str) and uri:
            return uri
    return ""


def conference_state(event: Mapping[str, Any]) -> ConferenceState:
    """ready: a link is there; pending: Google is still making it; failed: Google gave up;
    missing: no conference at all (conferenceDataVersion was 0, or it was removed)."""
    conference = _mapping(event.get("conferenceData"))
    status = _mapping(_mapping(conference.get("createRequest")).get("status")).get("statusCode")
    if status == "pending":
        return "pending"
    if status == "failure":
        return "failed"
    if _join_url(event):
        return "ready"
    # "success" without any link cannot be used; treat it as missing so it is requested again.
    return "missing"


def event_id(event: Mapping[str, Any]) -> str:
    value = event.get("id")
    if not isinstance(value, str) or not value:
        raise _malformed("an id")
    return value


def is_cancelled(event: Mapping[str, Any]) -> bool:
    # Deleted events linger with status "cancelled" and still answer events.get.
    return event.get("status") == "cancelled"


def _code(point: Mapping[str, Any]) -> str:
    for name in _CODE_FIELDS:
        value = point.get(name)
        if isinstance(value, str | int) and str(value):
            return str(value)
    return ""


def _dial_in(point: Mapping[str, Any]) -> str:
    number = str(point.get("label") or point.get("uri") or "").removeprefix("tel:")
    if not number:
        return ""
    region = point.get("regionCode")
    text = f"{region}: {number}" if region else number
    pin = _code(point)
    return f"{text} PIN: {pin}#" if pin else text


def meeting_info(event: Mapping[str, Any]) -> MeetingInfo:
    """MeetingInfo from an event whose conference is ready or pending."""
    identifier = event_id(event)
    conference = _mapping(event.get("conferenceData"))
    extra: dict[str, str] = {}
    for source, name in (("iCalUID", "ical_uid"), ("htmlLink", "html_link")):
        value = event.get(source)
        if isinstance(value, str) and value:
            extra[name] = value
    if conference_state(event) == "pending":
        return MeetingInfo(meeting_id=identifier, join_url="", pending=True, extra=extra)
    join_url = _join_url(event)
    if not join_url:
        raise _malformed("a Meet link (hangoutLink or a video entry point)")
    passcode = ""
    dial_in: list[str] = []
    for point in _entry_points(event):
        kind = point.get("entryPointType")
        if kind == "video":
            passcode = _code(point)
        elif kind == "phone" and (line := _dial_in(point)):
            dial_in.append(line)
        elif kind == "more" and isinstance(point.get("uri"), str):
            extra["more_phone_numbers"] = point["uri"]
    conference_id = conference.get("conferenceId")
    return MeetingInfo(
        meeting_id=identifier,
        join_url=join_url,
        passcode=passcode,
        conference_id=conference_id if isinstance(conference_id, str) else "",
        dial_in=tuple(dial_in),
        extra=extra,
    )


def parse_time(value: object, what: str) -> datetime:
    """An RFC 3339 timestamp from Google, as an aware datetime."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    raise ProviderError(
        f"Google Calendar answered with an unreadable time in {what}: {value!r}",
        permanent=False,
        code="malformed",
    )


def _event_instant(event: Mapping[str, Any], field: str) -> datetime | None:
    value = _mapping(event.get(field)).get("dateTime")
    try:
        return parse_time(value, field)
    except ProviderError:
        return None


def differs(event: Mapping[str, Any], spec: MeetingSpec) -> bool:
    """True when the remote event no longer matches the spec (then we patch it)."""
    body = event_body(spec)
    if is_cancelled(event):
        return True
    if event.get("summary", "") != body["summary"]:
        return True
    if event.get("description", "") != body["description"]:
        return True
    if _event_instant(event, "start") != spec.start or _event_instant(event, "end") != spec.end:
        return True
    if _mapping(event.get("start")).get("timeZone") != spec.timezone:
        return True
    remote = event.get("attendees")
    remote_emails = {
        str(a.get("email", "")).lower()
        for a in (remote if isinstance(remote, list) else [])
        if isinstance(a, Mapping) and not a.get("organizer")
    }
    return remote_emails != {p.email.lower() for p in spec.attendees}


def free_busy_body(calendar_id: str, start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "timeMin": start.astimezone(UTC).isoformat(timespec="seconds"),
        "timeMax": end.astimezone(UTC).isoformat(timespec="seconds"),
        "timeZone": "UTC",
        "items": [{"id": calendar_id}],
    }


def busy_intervals(payload: Mapping[str, Any], calendar_id: str) -> list[BusyInterval]:
    """Busy intervals of one calendar from a freeBusy answer.

    A calendar Google could not read comes back inside the 200 with `errors` (e.g.
    notFound, internalError); an empty busy list there would lie, so it raises.
    """
    calendars = _mapping(payload.get("calendars"))
    entry = calendars.get(calendar_id)
    if entry is None and len(calendars) == 1:
        entry = next(iter(calendars.values()))
    if not isinstance(entry, Mapping):
        raise ProviderError(
            f"Google Calendar's free/busy answer has no entry for calendar {calendar_id}",
            permanent=False,
            code="malformed",
        )
    errors = entry.get("errors")
    if isinstance(errors, list) and errors:
        reasons = sorted({str(_mapping(e).get("reason") or "unknown") for e in errors})
        raise ProviderError(
            f"Google Calendar could not read free/busy of calendar {calendar_id}"
            f" ({', '.join(reasons)}); retrying",
            permanent=False,
            code=reasons[0],
        )
    busy = entry.get("busy")
    intervals = []
    for index, period in enumerate(busy if isinstance(busy, list) else []):
        period = _mapping(period)
        start = parse_time(period.get("start"), f"busy[{index}].start")
        end = parse_time(period.get("end"), f"busy[{index}].end")
        intervals.append(BusyInterval(start=start, end=end))
    return sorted(intervals, key=lambda interval: interval.start)
