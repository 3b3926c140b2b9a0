"""An invitation's calendar is written as icalendar writes it, whatever its text: short
lines are left as they are, long ones folded by icalendar (`ics.written`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convener.invitations.ics import IcsEvent, Party, build_ics, calendar_of, written

# Any text a title or description may hold, short or long, in any script; no control
# characters but the line breaks a description has.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\x00")
    | st.sampled_from("\n,;\\"),
    max_size=160,
)
NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=60)


def _event(
    title: str, description: str = "", name: str = "", minutes: int = 0, **more: str
) -> IcsEvent:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return IcsEvent(
        uid="0b9e2d1c-0000-4000-8000-000000000001@convener",
        sequence=minutes % 5,
        method="REQUEST",
        title=title,
        description=description,
        start=start,
        end=start + timedelta(minutes=30),
        timezone=more.get("zone", "UTC"),
        join_url=more.get("join", ""),
        passcode="1234" if minutes % 2 else "",
        organizer=Party("host@example.com", name),
        attendees=(Party("ann@example.com", name), Party("bob@example.com")),
        stamp=datetime(2025, 12, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize("length", range(60, 80))
@pytest.mark.parametrize("letter", ["a", "é", "€"])
def test_lines_about_as_long_as_the_fold_are_written_as_icalendar_writes_them(
    length: int, letter: str
) -> None:
    # "SUMMARY:" and the title: lines either side of 75 octets, in one-, two- and
    # three-octet characters.
    calendar = calendar_of(_event("x" * (length - len(letter.encode())) + letter))

    assert written(calendar) == calendar.to_ical().decode()


@settings(max_examples=300, deadline=None)
@given(
    title=TEXT,
    description=TEXT,
    name=NAMES,
    minutes=st.integers(min_value=0, max_value=60 * 24 * 400),
    join=st.sampled_from(["", "https://meet.google.com/abc-defg-hij", "https://x.example/" * 6]),
    zone=st.sampled_from(["UTC", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu"]),
)
def test_a_calendar_is_written_as_icalendar_writes_it(
    title: str, description: str, name: str, minutes: int, join: str, zone: str
) -> None:
    event = _event(title, description, name, minutes, zone=zone, join=join)
    calendar = calendar_of(event)

    assert written(calendar) == calendar.to_ical().decode()
    # And every line of the invitation is within the 75 octets RFC 5545 allows.
    assert all(len(line.encode()) <= 75 for line in build_ics(event).split("\r\n"))
