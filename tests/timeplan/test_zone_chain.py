"""The time-zone chain: browser → contact → action → default, and how it is reported."""

from __future__ import annotations

from typing import Any

import pytest

from convener.timeplan import choose_zone

from .support import only_meeting, only_skip, planned, spec

IMMEDIATE: dict[str, Any] = {"mode": "immediate", "timezone": "Asia/Tokyo"}


@pytest.mark.parametrize(
    ("recipient", "zone", "source"),
    [
        (
            {"browser_timezone": "Europe/Paris", "timezone": "America/New_York"},
            "Europe/Paris",
            "browser",
        ),
        ({"browser_timezone": None, "timezone": "America/New_York"}, "America/New_York", "contact"),
        ({"browser_timezone": "", "timezone": None}, "Asia/Tokyo", "action"),
        ({}, "Asia/Tokyo", "action"),
    ],
)
def test_the_first_link_with_a_zone_supplies_it_and_is_reported(
    recipient: dict[str, Any], zone: str, source: str
) -> None:
    meeting = only_meeting(planned(spec(IMMEDIATE, [{"id": "c1", **recipient}])))

    assert (meeting["timezone"], meeting["timezone_source"]) == (zone, source)
    assert meeting["notes"] == []


def test_without_an_action_zone_the_chain_falls_to_the_default_zone() -> None:
    timing = {"mode": "immediate", "timezone": None}

    meeting = only_meeting(planned(spec(timing, default_timezone="Africa/Nairobi")))

    assert (meeting["timezone"], meeting["timezone_source"]) == ("Africa/Nairobi", "default")


def test_links_left_out_of_the_chain_are_not_used() -> None:
    recipient = {"id": "c1", "browser_timezone": "Europe/Paris", "timezone": "America/Denver"}

    meeting = only_meeting(
        planned(spec(IMMEDIATE, [recipient], timezone_chain=["contact", "default"]))
    )

    assert (meeting["timezone"], meeting["timezone_source"]) == ("America/Denver", "contact")


def test_an_unknown_recipient_zone_falls_through_to_the_next_link_and_is_noted() -> None:
    recipient = {"id": "c1", "browser_timezone": "Mars/Base", "timezone": "America/Denver"}

    meeting = only_meeting(planned(spec(IMMEDIATE, [recipient])))

    assert (meeting["timezone"], meeting["timezone_source"]) == ("America/Denver", "contact")
    assert meeting["notes"] == [
        "browser time zone 'Mars/Base' is not a known IANA zone; "
        "used the contact time zone, America/Denver"
    ]


def test_a_chain_that_ends_on_an_unknown_zone_skips_the_recipient() -> None:
    recipient = {"id": "c1", "browser_timezone": None, "timezone": "Mars/Base"}

    skip = only_skip(planned(spec(IMMEDIATE, [recipient], timezone_chain=["browser", "contact"])))

    assert skip == {
        "id": "c1",
        "reason": "unknown time zone: Mars/Base",
        "code": "unknown_timezone",
    }


def test_a_chain_with_no_zone_at_all_skips_the_recipient_and_says_which_links_were_tried() -> None:
    skip = only_skip(
        planned(spec(IMMEDIATE, [{"id": "c1"}], timezone_chain=["browser", "contact"]))
    )

    assert skip["code"] == "no_timezone"
    assert skip["reason"] == "no time zone: none of the chain's links (browser, contact) is set"


def test_zone_names_are_case_sensitive_iana_names() -> None:
    choice = choose_zone(
        ("contact", "default"), browser=None, contact="europe/berlin", action=None, default="UTC"
    )

    assert getattr(choice, "source", None) == "default"


def test_smart_scheduling_plans_in_the_action_zone_whatever_the_recipients_zone() -> None:
    timing = {"mode": "smart", "timezone": "Europe/Berlin", "start": "2026-12-01T10:00"}
    recipient = {
        "id": "c1",
        "host": "u1",
        "timezone": "Mars/Base",
        "browser_timezone": "America/New_York",
    }

    meeting = only_meeting(planned(spec(timing, [recipient])))

    assert (meeting["timezone"], meeting["timezone_source"]) == ("Europe/Berlin", "action")
    assert meeting["local_start"] == "2026-12-01T10:00:00+01:00"
