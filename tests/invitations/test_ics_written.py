"""An invitation's calendar is written line by line (`ics.content_lines`), and its text is
exactly what icalendar's Calendar and Event objects write for the same event, whatever
its text, names, zone and link: the same escaping, quoting, property order and folding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Conference, Event, vCalAddress, vText

from convener.invitations.ics import PRODID, IcsEvent, Party, build_ics

# Any text a title or description may hold, short or long, in any script; no control
# characters but the line breaks a description has.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\x00")
    | st.sampled_from('\n\r,;:\\"^'),
    max_size=160,
)
NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")) | st.sampled_from(',;:"^'),
    max_size=60,
)


def _address(party: Party) -> vCalAddress:
    address = vCalAddress(f"mailto:{party.email}")
    if party.name:
        address.params["CN"] = vText(party.name)
    return address


def icalendars(event: IcsEvent) -> str:
    """The calendar as icalendar's objects write it, without the VTIMEZONE."""
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
    zone = UTC if event.timezone == "UTC" else ZoneInfo(event.timezone)
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
    vevent.add("ORGANIZER", _address(event.organizer))
    for party in event.attendees:
        address = _address(party)
        address.params["ROLE"] = vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("TRUE")
        vevent.add("ATTENDEE", address, encode=False)
    calendar.add_component(vevent)
    return str(calendar.to_ical().decode())


def without_zone(text: str) -> str:
    """The invitation's calendar without its VTIMEZONE, which is icalendar's own."""
    if "BEGIN:VTIMEZONE" not in text:
        return text
    return text[: text.index("BEGIN:VTIMEZONE")] + text[text.index("BEGIN:VEVENT") :]


def _event(
    title: str, description: str = "", name: str = "", minutes: int = 0, **more: str
) -> IcsEvent:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return IcsEvent(
        uid="0b9e2d1c-0000-4000-8000-000000000001@convener",
        sequence=minutes % 5,
        method=more.get("method", "REQUEST"),
        title=title,
        description=description,
        start=start,
        end=start + timedelta(minutes=30, seconds=minutes % 60),
        timezone=more.get("zone", "UTC"),
        join_url=more.get("join", ""),
        passcode="1234" if minutes % 2 else "",
        organizer=Party("host@example.com", name),
        attendees=(Party("ann@example.com", name), Party("bob@example.com")),
        stamp=datetime(2025, 12, 1, 8, 30, 15, 123456, tzinfo=UTC),
    )


@pytest.mark.parametrize("length", range(60, 80))
@pytest.mark.parametrize("letter", ["a", "é", "€", "\\", ","])
def test_lines_about_as_long_as_the_fold_are_written_as_icalendar_writes_them(
    length: int, letter: str
) -> None:
    # "SUMMARY:" and the title: lines either side of 75 octets, in one-, two- and
    # three-octet characters, and escapes that must not be split by a fold.
    event = _event("x" * (length - len(letter.encode())) + letter)

    assert build_ics(event) == icalendars(event)


@pytest.mark.parametrize("zone", sorted(available_timezones()))
def test_every_zone_is_named_and_its_local_times_written_as_icalendar_writes_them(
    zone: str,
) -> None:
    event = _event("Call", minutes=60 * 24 * 190 + 7, zone=zone)  # July: summer time
    text = build_ics(event)

    assert without_zone(text) == icalendars(event)
    # The zone the times refer to is in the calendar, and only a zone they refer to.
    referred = {
        line.split(";TZID=")[1].split(":")[0]
        for line in text.split("\r\n")[1:]
        if line.startswith(("DTSTART;TZID=", "DTEND;TZID="))
    }
    defined = {
        line.removeprefix("TZID:") for line in text.split("\r\n") if line.startswith("TZID:")
    }
    assert referred == defined
    assert referred in ({zone}, set())


@settings(max_examples=300, deadline=None)
@given(
    title=TEXT,
    description=TEXT,
    name=NAMES,
    minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
    join=st.sampled_from(
        ["", "https://meet.google.com/abc-defg-hij", "https://x.example/a,b;c" * 6]
    ),
    zone=st.sampled_from(["UTC", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu"]),
    method=st.sampled_from(["REQUEST", "CANCEL"]),
)
def test_a_calendar_is_written_as_icalendar_writes_it(
    title: str, description: str, name: str, minutes: int, join: str, zone: str, method: str
) -> None:
    event = _event(title, description, name, minutes, zone=zone, join=join, method=method)
    text = build_ics(event)

    assert without_zone(text) == icalendars(event)
    # And every line of the invitation is within the 75 octets RFC 5545 allows.
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
