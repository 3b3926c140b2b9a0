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

from icalendar import Calendar, Conference, Event, Timezone, vCalAddress, vText

PRODID = "-//Convener//Convener meetings//EN"


@dataclass(frozen=True)
class Party:
    email: str
    name: str = ""

    def address(self) -> vCalAddress:
        address = vCalAddress(f"mailto:{self.email}")
        if self.name:
            address.params["CN"] = vText(self.name)
        return address


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


def calendar_of(event: IcsEvent) -> Calendar:
    """The event's calendar object, without its VTIMEZONE (`build_ics` adds it)."""
    calendar = Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", event.method)

    vevent = Event()
    vevent.add("UID", event.uid)
    vevent.add("DTSTAMP", event.stamp.astimezone(UTC))
    vevent.add("SEQUENCE", event.sequence)
    vevent.add("SUMMARY", event.title)
    if event.timezone == "UTC":
        vevent.add("DTSTART", event.start.astimezone(UTC))
        vevent.add("DTEND", event.end.astimezone(UTC))
    else:
        zone = ZoneInfo(event.timezone)
        vevent.add("DTSTART", event.start.astimezone(zone))
        vevent.add("DTEND", event.end.astimezone(zone))
    vevent.add("STATUS", "CANCELLED" if event.method == "CANCEL" else "CONFIRMED")
    vevent.add("TRANSP", "OPAQUE")
    description = event.description
    if event.join_url:
        vevent.add("LOCATION", event.join_url)
        vevent.add("URL", event.join_url)
        join_text = f"Join: {event.join_url}"
        if event.passcode:
            join_text += f"\nPasscode: {event.passcode}"
        description = f"{description}\n\n{join_text}".strip()
        vevent.conferences = [Conference(event.join_url, feature="VIDEO", label="Join the meeting")]
    if description:
        vevent.add("DESCRIPTION", description)
    vevent.add("ORGANIZER", event.organizer.address())
    for party in event.attendees:
        address = party.address()
        address.params["ROLE"] = vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("TRUE")
        vevent.add("ATTENDEE", address, encode=False)
    calendar.add_component(vevent)
    return calendar


# Content lines this long in UTF-8 octets or longer are folded (RFC 5545, 3.1).
FOLD_AT = 75


def written(calendar: Calendar) -> str:
    """`calendar.to_ical()`, as text, without passing the lines too short to fold through
    icalendar's folding, which walks every line a character at a time: a third of an
    invitation's calendar, and most lines are short."""
    return "".join(
        (line if len(line.encode()) < FOLD_AT else line.to_ical().decode()) + "\r\n"
        for line in calendar.content_lines()
        if line
    )


def build_ics(event: IcsEvent) -> str:
    text = written(calendar_of(event))
    if event.timezone != "UTC":
        # Before the event, where clients expect the zones its times refer to. A year
        # either side of the meeting: enough for any client to place it and its
        # reschedules, and a few transitions instead of the zone's whole history.
        zone_text = _vtimezone(event.timezone, event.start.year - 1, event.end.year + 1)
        at = text.index("BEGIN:VEVENT\r\n")
        text = text[:at] + zone_text + text[at:]
    return text
