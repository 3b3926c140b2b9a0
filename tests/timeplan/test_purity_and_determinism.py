"""timeplan is pure Python without Django, deterministic, and its zone assumptions hold.

Its one library is msgspec (pinned in requirements.lock): it reads a SPEC of a million
recipients without a dictionary for each, and makes the planner's small result objects in C.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pytest

from convener.timeplan import plan_document
from convener.timeplan.zones import OffsetTimeline

from .support import smart, spec

PACKAGE = Path(__file__).resolve().parents[2] / "convener" / "timeplan"


def test_timeplan_imports_only_the_standard_library_msgspec_and_itself() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in {"__future__", "msgspec"}, (
                    path.name,
                    name,
                )


def busy_spec() -> dict[str, Any]:
    recipients = [{"id": f"c{n}", "host": f"u{n % 7}", "timezone": "Mars/Base"} for n in range(60)]
    busy = {
        f"u{h}": [
            {
                "start": f"2026-12-0{1 + h % 3}T{10 + h}:00:00Z",
                "end": f"2026-12-0{1 + h % 3}T{11 + h}:15:00Z",
            }
        ]
        for h in range(7)
    }
    return spec(smart(max_per_host_per_day=4), recipients, busy=busy)


def test_the_same_spec_gives_the_same_plan() -> None:
    assert plan_document(busy_spec()) == plan_document(busy_spec())


def test_the_order_of_busy_hosts_and_intervals_does_not_matter() -> None:
    doc = busy_spec()
    shuffled = dict(reversed(list(doc["busy"].items())))
    for intervals in shuffled.values():
        intervals.reverse()

    assert plan_document({**doc, "busy": shuffled}) == plan_document(doc)


def test_the_plan_does_not_depend_on_string_hashing(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(busy_spec()), "utf-8")
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(PACKAGE.parents[1])}
        finished = subprocess.run(
            [sys.executable, "-m", "convener.timeplan", str(path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=True,
        )
        outputs.add(finished.stdout)
    assert len(outputs) == 1


def test_a_caller_supplied_now_is_used_only_when_the_spec_has_none() -> None:
    doc = spec({"mode": "immediate"})
    given = datetime(2030, 1, 1, tzinfo=UTC)

    assert plan_document(doc, now=given)["meetings"][0]["start"] == "2026-11-21T09:00:00Z"
    del doc["now"]
    assert plan_document(doc, now=given)["meetings"][0]["start"] == "2030-01-01T00:00:00Z"


def pure_python_zone(name: str) -> object:
    pure = pytest.importorskip("zoneinfo._zoneinfo")
    return pure.ZoneInfo.no_cache(name)


def test_no_zone_has_two_transitions_within_an_hour() -> None:
    # OffsetTimeline probes hourly; this is the property that makes that exact.
    closest = min(
        (later - earlier, name)
        for name in sorted(available_timezones())
        for earlier, later in itertools.pairwise(transition_table(name))
    )
    assert closest[0] > OffsetTimeline.PROBE, closest


def transition_table(name: str) -> list[int]:
    """The zone's TZif transition instants, read through the pure-Python zoneinfo."""
    return [int(ts) for ts in getattr(pure_python_zone(name), "_trans_utc", ())]


def offset_at(ts: int, zone: ZoneInfo) -> int:
    offset = datetime.fromtimestamp(ts, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


@pytest.mark.parametrize(
    "name",
    [
        "Europe/Berlin",
        "America/New_York",
        "Pacific/Apia",
        "America/Goose_Bay",
        "Australia/Lord_Howe",
        "Africa/Cairo",
        "Asia/Gaza",
        "America/Santiago",
    ],
)
def test_the_offset_timeline_finds_every_transition_from_2000_to_2040(name: str) -> None:
    zone = ZoneInfo(name)
    low = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp())
    high = int(datetime(2040, 1, 1, tzinfo=UTC).timestamp())

    pieces = OffsetTimeline(zone).pieces(low, high)

    for start, end, offset in pieces:
        assert offset_at(start, zone) == offset == offset_at(end - 1, zone)
    for (_, _, before), (start, _, after) in itertools.pairwise(pieces):
        assert before != after
        assert offset_at(start - 1, zone) == before
    # The zone's own transition table (before its POSIX rule takes over) must all be found.
    table = [
        ts
        for ts in transition_table(name)
        if low < ts < high and offset_at(ts - 1, zone) != offset_at(ts, zone)
    ]
    found = [start for start, _, _ in pieces[1:]]
    assert found[: len(table)] == table
