"""iTIP/iCalendar for one version of a meeting (RFC 5545, 5546, 7986).

- UID is the meeting's own UUID and never changes, so calendars update the same event on a
  reschedule (SEQUENCE raised) and remove it on METHOD:CANCEL.
- DTSTART/DTEND carry the zone the meeting was planned in, with a VTIMEZONE built from
  zoneinfo, so a recipient's calendar shows the right local time on both sides of a DST
  change; a UTC meeting is written in UTC.
- The join link is in LOCATION, URL, DESCRIPTION and the RFC 7986 CONFERENCE property,
  because calendar clients each read a different one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Timezone, is_utc, vText
from icalendar.parser import Contentline, Parameters, param_value

PRODID = "-//Convener//Convener meetings//EN"


@dataclass(frozen=True)
class Party:
    email: str
    name: str = ""


@dataclass(frozen=True)
class IcsEvent:
    uid: str
    sequence: int
    method: str  # REQUEST or CANCEL
    title: str
    description: str
    start: datetime  # aware
    end: datetime
    timezone: str
    join_url: str
    passcode: str
    organizer: Party
    attendees: tuple[Party, ...]
    stamp: datetime


@functools.lru_cache(maxsize=512)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> str:
    """The zone's VTIMEZONE, as text, built once per process and years: icalendar walks
    the zone's transitions to build it (milliseconds for zones with a long history), and
    serialising it took a third of an invitation's calendar; a bulk run sends thousands
    of invitations in the same few zones."""
    component = Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year, 12, 31)
    )
    return str(component.to_ical().decode())


# Content lines this long in UTF-8 octets or longer are folded (RFC 5545, 3.1).
FOLD_AT = 75
# The attendee's parameters after CN, sorted by name as icalendar writes them.
ATTENDEE_PARAMETERS = ";PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE"


def _text(value: str) -> str:
    """A TEXT value, escaped (RFC 5545, 3.3.11) by icalendar's own rules."""
    return str(vText(value).to_ical().decode())


# The calendar's first lines, the same for every invitation but its METHOD.
HEAD = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{_text(PRODID)}\r\nCALSCALE:GREGORIAN\r\n"


@functools.cache
def _written_in_utc(zone: str) -> bool:
    """Zones that are UTC under another name (Etc/UTC, Africa/Abidjan...) are written in
    UTC, as icalendar writes them, and then need no VTIMEZONE."""
    return zone == "UTC" or is_utc(ZoneInfo(zone))


def _instant(name: str, value: datetime, zone: str) -> str:
    """DTSTART or DTEND: UTC as `...Z`, any other zone as local time with its TZID."""
    if _written_in_utc(zone):
        return f"{name}:{_stamp(value.astimezone(UTC))}Z"
    return f"{name};TZID={param_value(zone)}:{_stamp(value.astimezone(ZoneInfo(zone)))}"


def _stamp(value: datetime) -> str:
    return (
        f"{value.year:04d}{value.month:02d}{value.day:02d}"
        f"T{value.hour:02d}{value.minute:02d}{value.second:02d}"
    )


@functools.lru_cache(maxsize=4096)
def _common_name(name: str) -> str:
    """`;CN=...`, quoted and escaped by icalendar (a host's name recurs in every one of
    their invitations)."""
    return f";{Parameters({'CN': name}).to_ical().decode()}"


def _address(name: str, party: Party, parameters: str = "") -> str:
    """ORGANIZER or ATTENDEE: its parameters in name order, CN first when there is one."""
    common_name = _common_name(party.name) if party.name else ""
    return f"{name}{common_name}{parameters}:mailto:{party.email}"


def _event_lines(event: IcsEvent) -> list[str]:
    """The VEVENT's lines, unfolded.

    Written line by line rather than through icalendar's Calendar and Event objects:
    those made the calendar a third of an invitation's CPU, and a campaign writes
    thousands. The values are escaped, quoted and folded by icalendar's own functions,
    and the properties come in the order icalendar writes them (the usual ones first,
    the rest by name), so the text is exactly what `Calendar.to_ical` gives
    (`tests/invitations/test_ics_written.py` holds it to that)."""
    description = event.description
    if event.join_url:
        join_text = f"Join: {event.join_url}"
        if event.passcode:
            join_text += f"\nPasscode: {event.passcode}"
        description = f"{description}\n\n{join_text}".strip()
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(event.title)}",
        _instant("DTSTART", event.start, event.timezone),
        _instant("DTEND", event.end, event.timezone),
        f"DTSTAMP:{_stamp(event.stamp.astimezone(UTC))}Z",
        f"UID:{_text(event.uid)}",
        f"SEQUENCE:{event.sequence}",
        *(_address("ATTENDEE", party, ATTENDEE_PARAMETERS) for party in event.attendees),
    ]
    if event.join_url:
        lines.append(f"CONFERENCE;FEATURE=VIDEO;LABEL=Join the meeting;VALUE=URI:{event.join_url}")
    if description:
        lines.append(f"DESCRIPTION:{_text(description)}")
    if event.join_url:
        lines.append(f"LOCATION:{_text(event.join_url)}")
    lines.append(_address("ORGANIZER", event.organizer))
    lines.append(f"STATUS:{'CANCELLED' if event.method == 'CANCEL' else 'CONFIRMED'}")
    lines.append("TRANSP:OPAQUE")
    if event.join_url:
        lines.append(f"URL:{event.join_url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return lines


def _folded(line: str) -> str:
    """Lines of 75 octets or more folded by icalendar; the rest, most of them, as they
    are (icalendar's folding walks a line a character at a time)."""
    if len(line.encode()) < FOLD_AT:
        return line
    # icalendar's Contentline carries no type hints.
    return str(Contentline(line).to_ical().decode())  # type: ignore[no-untyped-call]


def build_ics(event: IcsEvent) -> str:
    zone = ""
    if not _written_in_utc(event.timezone):
        # Before the event, where clients expect the zones its times refer to. A year
        # either side of the meeting: enough for any client to place it and its
        # reschedules, and a few transitions instead of the zone's whole history.
        zone = _vtimezone(event.timezone, event.start.year - 1, event.end.year + 1)
    method = f"METHOD:{_text(event.method)}\r\n"
    return HEAD + method + zone + "".join(f"{_folded(line)}\r\n" for line in _event_lines(event))
