"""Properties of local-time resolution and delays over every IANA zone, 2000 to 2040."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from convener.timeplan import Delay, apply_delay, plan_document, resolve_local

from .strategies import instants_near_transitions
from .support import spec

PROPERTY = settings(max_examples=300, deadline=None)


def wall(ts: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ts, zone).replace(tzinfo=None)


def exists(local: datetime, zone: ZoneInfo) -> bool:
    """Whether some instant shows ``local`` on the zone's clocks."""
    return any(
        wall(int(local.replace(tzinfo=zone, fold=fold).timestamp()), zone) == local
        for fold in (0, 1)
    )


@PROPERTY
@given(instants_near_transitions(), st.integers(-180, 180))
def test_a_local_time_resolves_to_itself_or_moves_forward_across_a_gap(
    near: tuple[ZoneInfo, int], shift: int
) -> None:
    zone, ts = near
    local = wall(ts, zone) + timedelta(minutes=shift)

    resolved = resolve_local(local, zone)

    shown = wall(resolved.ts, zone)
    if resolved.adjustment == "dst_gap_shifted_forward":
        assert not exists(local, zone)
        assert shown > local
        assert resolved.notes
    else:
        assert shown == local
        earlier = [int(local.replace(tzinfo=zone, fold=f).timestamp()) for f in (0, 1)]
        assert resolved.ts == min(t for t in earlier if wall(t, zone) == local)
        ambiguous = len({t for t in earlier if wall(t, zone) == local}) == 2
        assert (resolved.adjustment == "dst_ambiguous_first_occurrence") == ambiguous


@PROPERTY
@given(instants_near_transitions(), st.integers(1, 400), st.sampled_from(["days", "weeks"]))
def test_a_calendar_delay_keeps_the_wall_clock_time_unless_it_lands_in_a_gap(
    near: tuple[ZoneInfo, int], amount: int, unit: str
) -> None:
    zone, trigger = near
    days = amount * (7 if unit == "weeks" else 1)

    resolved = apply_delay(trigger, Delay(amount, unit), zone)  # type: ignore[arg-type]

    expected = wall(trigger, zone) + timedelta(days=days)
    if resolved.adjustment == "dst_gap_shifted_forward":
        assert not exists(expected, zone)
        assert wall(resolved.ts, zone) > expected
    else:
        assert wall(resolved.ts, zone) == expected


@PROPERTY
@given(instants_near_transitions(), st.integers(0, 5000), st.sampled_from(["minutes", "hours"]))
def test_a_minute_or_hour_delay_is_elapsed_time(
    near: tuple[ZoneInfo, int], amount: int, unit: str
) -> None:
    zone, trigger = near

    resolved = apply_delay(trigger, Delay(amount, unit), zone)  # type: ignore[arg-type]

    assert resolved.ts == trigger + amount * (60 if unit == "minutes" else 3600)
    assert resolved.adjustment is None


@PROPERTY
@given(instants_near_transitions(), st.integers(-180, 180))
def test_a_field_date_time_is_read_on_the_recipients_wall_clock(
    near: tuple[ZoneInfo, int], shift: int
) -> None:
    zone, ts = near
    value = wall(ts, zone) + timedelta(minutes=shift)
    now = datetime.fromtimestamp(ts - 2 * 86_400, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    recipient = {"id": "c1", "timezone": zone.key, "fields": {"at": value.isoformat()}}

    result = plan_document(spec({"mode": "field", "field": "at"}, [recipient], now=now))

    meeting = result["meetings"][0]
    local = datetime.fromisoformat(meeting["local_start"])
    assert meeting["timezone"] == zone.key
    assert meeting["timezone_source"] == "contact"
    if meeting["adjustment"] == "dst_gap_shifted_forward":
        assert local.replace(tzinfo=None) > value
    else:
        assert local.replace(tzinfo=None) == value
