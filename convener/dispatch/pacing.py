"""Pacing of provider calls, shared by every worker process on every machine.

- `reserve(lane, rate)`: a slot for one call, GCRA-style (see `Lane`). Returns how long
  to wait for it, or None when the slot is further away than a worker should sleep: then
  the meeting is given back with a due time instead (a worker never sleeps on a 429).
- `pause(lane, seconds)`: a 429 or Retry-After stops the lane until then.
- `take_daily(lane, host, cap)`: one unit of a per-host daily quota (Zoom's 100
  creates+updates per host per UTC day), or False when it is used up.

The lanes' clocks (the next free slot and the pause) live in the database's `Lane` rows,
or in Redis when CONVENER_REDIS_URL is set (`redis_lanes`): one round trip instead of a
locked row per call, and one clock for every machine. The daily quotas stay in the
database either way: a day's count must survive a restart of anything.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import F

from convener.db.writes import update_one
from convener.meetings.models import DailyQuota, Lane

if TYPE_CHECKING:
    from convener.dispatch.redis_lanes import RedisLanes

# Pace a little under the documented limit: requests leave evenly spaced but arrive with
# jitter, and a provider counting in a sliding window would see bursts at exactly 100%.
HEADROOM = 0.95
MAX_SLEEP_SECONDS = 2.0
# How far ahead a worker that holds its calls on an event loop books a lane's slots. Each
# booked slot has charged the host's daily quota (Zoom's 100 writes a day); a worker that
# dies loses what it booked and had not sent, and those units stay spent until midnight.
# Half a second keeps every lane's next calls ready while a kill costs little of the day.
AHEAD_SECONDS = 0.5
# How long a rate-limit answer without Retry-After stops the lane (Google sends none).
# Providers count calls per second (or per minute, spread evenly): one second lets the
# window empty; longer throws away calls the provider would have taken. A lane that
# keeps being refused is paused again each time, so a provider counting over longer
# windows still gets its pause.
DEFAULT_PAUSE_SECONDS = 1.0


def _lane(key: str) -> Lane:
    lane = _locked(key)
    if lane is None:
        try:
            with transaction.atomic():
                Lane.objects.create(key=key)
        except IntegrityError:
            pass  # created by another worker meanwhile
        lane = _locked(key)
        assert lane is not None
    return lane


@functools.cache
def _select_locked(vendor: str, for_update: bool) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in _LANE_COLUMNS)
    lock = " FOR UPDATE" if for_update else ""
    return f"SELECT {columns} FROM {quote(Lane._meta.db_table)} WHERE {quote('key')} = %s{lock}"  # noqa: S608


_LANE_COLUMNS = ("id", "key", "tat", "not_before")


def _locked(key: str) -> Lane | None:
    """The lane's row, locked until the transaction ends (on SQLite the transaction
    holds the write lock). Read by a statement written once: compiled through the ORM,
    with the ORDER BY `.first()` adds, this read was most of a reservation's CPU."""
    statement = _select_locked(connection.vendor, connection.features.has_select_for_update)
    with connection.cursor() as cursor:
        cursor.execute(statement, [key])
        row = cursor.fetchone()
    return None if row is None else Lane.from_db(DEFAULT_DB_ALIAS, _LANE_COLUMNS, row)


@functools.cache
def _redis_lanes(url: str) -> RedisLanes:
    # Imported only when CONVENER_REDIS_URL is set: without it, redis is never loaded.
    from convener.dispatch.redis_lanes import RedisLanes

    return RedisLanes(url)


def _redis() -> RedisLanes | None:
    url = settings.REDIS_URL
    return _redis_lanes(url) if url else None


def interval(rate: float | None) -> float:
    """Seconds between two calls of a lane paced at `rate` calls per second (0: unpaced)."""
    return 1.0 / (rate * HEADROOM) if rate else 0.0


def slots_within(spacing: float, ahead: float) -> int:
    """How many calls spaced `spacing` seconds apart a lane can reserve at once before
    one would be further away than `ahead` (`reserve` refuses it)."""
    if spacing <= 0:
        return 1_000_000
    return int(ahead / spacing) + 1


# What this process has learnt of lanes it cannot use yet: lane -> epoch seconds before
# which a reservation would be refused (from its own refused reservations and pauses).
# A hint only, so that a blocked lane is not claimed from and read over and over; the
# reservation itself remains the authority, and other processes may know more.
_blocked: dict[str, float] = {}


def known_wait(key: str) -> float:
    """Seconds before this process expects the lane to take a call again (0: no idea)."""
    return max(0.0, _blocked.get(key, 0.0) - time.time())


def _learn_blocked(key: str, seconds_until_free: float, max_sleep: float) -> None:
    # Reservations succeed again once the free slot is within a worker's sleep.
    until = time.time() + seconds_until_free - max_sleep
    if until > _blocked.get(key, 0.0):
        _blocked[key] = until


def forget_blocked() -> None:
    """Drop what this process learnt (tests start from a clean slate)."""
    _blocked.clear()


def reserve(key: str, rate: float | None, *, max_sleep: float = MAX_SLEEP_SECONDS) -> float | None:
    """Reserve the lane's next call slot; seconds to wait for it, or None if too far."""
    wait = _reserve(key, rate, max_sleep)
    if wait is None:
        _learn_blocked(key, wait_hint(key), max_sleep)
    return wait


# Lane rows read (and locked) by the batch of reservations under way on this thread: see
# `reservations_batched`.
_batch = threading.local()


@contextlib.contextmanager
def reservations_batched() -> Iterator[None]:
    """Inside a transaction: reservations of the same lane read its row once (locked
    until the transaction ends, as each single reservation locks it) and write it once,
    at the end. The pace is as strict as one reservation at a time: a slot taken by a
    step that then rolls back stays taken, so calls are only ever spaced wider."""
    if _redis() is not None or getattr(_batch, "lanes", None) is not None:
        yield
        return
    lanes: dict[str, Lane] = {}
    _batch.lanes = lanes
    try:
        yield
    finally:
        _batch.lanes = None
    for lane in lanes.values():
        update_one(lane, ["tat"], where={})


def _reserve(key: str, rate: float | None, max_sleep: float) -> float | None:
    redis = _redis()
    if redis is not None:
        return redis.reserve(key, interval(rate), max_sleep)
    held: dict[str, Lane] | None = getattr(_batch, "lanes", None)
    # No savepoint inside a caller's transaction (the worker's batches): the lane's row
    # stays locked until that transaction ends anyway, and a savepoint is two more round
    # trips for every provider call.
    with transaction.atomic(savepoint=False):
        lane = held.get(key) if held is not None else None
        if lane is None:
            lane = _lane(key)
        now = time.time()
        start = max(now, lane.tat, lane.not_before)
        if start - now > max_sleep:
            return None
        if rate:
            lane.tat = start + interval(rate)
            if held is not None:
                held[key] = lane  # written when the batch ends
            else:
                update_one(lane, ["tat"], where={})
        return start - now


def wait_hint(key: str) -> float:
    """Seconds until the lane can take a call (for a meeting given back unreserved)."""
    redis = _redis()
    if redis is not None:
        return redis.wait_hint(key)
    lane = Lane.objects.filter(key=key).first()
    if lane is None:
        return 0.0
    return max(0.0, max(lane.tat, lane.not_before) - time.time())


def pause(key: str, seconds: float) -> None:
    _learn_blocked(key, seconds, MAX_SLEEP_SECONDS)
    redis = _redis()
    if redis is not None:
        redis.pause(key, seconds)
        return
    with transaction.atomic():
        lane = _lane(key)
        lane.not_before = max(lane.not_before, time.time() + seconds)
        lane.save(update_fields=["not_before"])


def utc_day(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(UTC).date()


def next_utc_midnight(now: datetime | None = None) -> datetime:
    day = utc_day(now)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


def take_daily(key: str, host: str, cap: int, *, now: datetime | None = None) -> bool:
    day = utc_day(now)
    host = host.lower()
    quota = DailyQuota.objects.filter(lane=key, host=host, day=day)
    with transaction.atomic():
        if quota.filter(used__lt=cap).update(used=F("used") + 1):
            return True
        if not quota.exists():
            try:
                with transaction.atomic():
                    DailyQuota.objects.create(lane=key, host=host, day=day, used=1)
                return True
            except IntegrityError:
                pass  # another worker created today's row first
        # The row exists, perhaps created by another worker since our first update (on
        # PostgreSQL each statement sees what committed before it): "it exists" is not
        # "it is used up", so take a unit if one is left.
        return bool(quota.filter(used__lt=cap).update(used=F("used") + 1))


def give_back_daily(key: str, host: str, *, now: datetime | None = None) -> None:
    """Return a unit that was taken for a call that never reached the provider."""
    DailyQuota.objects.filter(lane=key, host=host.lower(), day=utc_day(now), used__gt=0).update(
        used=F("used") - 1
    )


def exhaust_daily(key: str, host: str, cap: int, *, now: datetime | None = None) -> None:
    """The provider says the quota is gone (other apps use it too): believe it."""
    DailyQuota.objects.update_or_create(
        lane=key, host=host.lower(), day=utc_day(now), defaults={"used": cap}
    )


def daily_used(key: str, host: str, *, now: datetime | None = None) -> int:
    row = DailyQuota.objects.filter(lane=key, host=host.lower(), day=utc_day(now)).first()
    return row.used if row else 0
