"""The time-zone picker's options: canonical zones, each with its offset at the moment the
page is made."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.template import Context, Template

from convener.web.zone_picker import utc_offset, zone_options

WINTER = datetime(2030, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2030, 7, 15, 12, tzinfo=UTC)


def labels(now: datetime) -> dict[str, str]:
    return {option.name: option.label for option in zone_options(now)}


def test_paris_is_labelled_with_its_offset_in_winter_and_in_summer() -> None:
    assert labels(WINTER)["Europe/Paris"] == "Europe/Paris (UTC+01:00)"
    assert labels(SUMMER)["Europe/Paris"] == "Europe/Paris (UTC+02:00)"


def test_offsets_west_of_utc_and_by_half_hours_read_as_a_clock_does() -> None:
    winter = labels(WINTER)
    assert winter["America/New_York"] == "America/New_York (UTC-05:00)"
    assert winter["Asia/Kolkata"] == "Asia/Kolkata (UTC+05:30)"
    assert winter["UTC"] == "UTC (UTC+00:00)"


def test_only_canonical_zones_are_offered() -> None:
    names = set(labels(WINTER))
    assert {"Europe/Paris", "America/New_York", "Asia/Kolkata", "UTC"} <= names
    # Aliases and abbreviations are not offered: the picker shows only what a form takes.
    assert not names & {"US/Eastern", "EST", "CET", "GMT", "Asia/Calcutta", "Etc/UTC"}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "UTC+00:00"), (3600, "UTC+01:00"), (-16200, "UTC-04:30"), (45900, "UTC+12:45")],
)
def test_utc_offset(seconds: int, text: str) -> None:
    assert utc_offset(timedelta(seconds=seconds)) == text


def test_the_datalist_says_the_offset_in_force_when_the_page_is_made(db: Any) -> None:
    template = Template("{% load convener %}{% zone_datalist %}")
    with time_machine.travel(SUMMER, tick=False):
        html = template.render(Context())
    option = re.search(r'<option value="Europe/Paris"[^>]*>', html)
    assert option is not None
    assert 'label="Europe/Paris (UTC+02:00)"' in option.group(0)
