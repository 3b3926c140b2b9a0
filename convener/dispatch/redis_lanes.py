"""Lane clocks in Redis: the same GCRA as the `Lane` rows, one script call per operation.

Each lane is a hash `convener:lane:<lane>` with `tat` (the next free slot) and
`not_before` (the end of a pause), in seconds of Redis's own clock (TIME): every worker
on every machine reads the same clock, so their own clocks need not agree. A lane left
alone for a day expires.

Each lane also keeps `departed`, when its last call left any worker (`Departures`). A
slot is booked up to half a second ahead; a call that leaves its slot late (a busy CPU)
and the next one, booked by another process and leaving on time, would reach the
provider closer together than the pace allows, and a provider that counts calls in a
sliding second refuses the one too many (3 % of the calls of two worker processes in one
run). One process keeps its own departures apart itself (`flight.Flight.departed`);
across processes this does.

When Redis cannot be reached, no call is paced, so none is made: `reserve` gives the
meeting back, to be tried again shortly, and the log says which server is unreachable
(its address only: the URL may carry a password).
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

import redis
import redis.asyncio

log = logging.getLogger(__name__)

PREFIX = "convener:lane:"
IDLE_EXPIRY_SECONDS = 86_400
# When Redis is unreachable, meetings given back are due again after this long.
UNREACHABLE_RETRY_SECONDS = 5.0
WARN_EVERY_SECONDS = 30.0
# Down, refusing, timing out or refusing our password (a ConnectionError in redis-py). An
# error in a script is a bug and is raised like any other.
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError)

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
"""

# KEYS[1] lane; ARGV[1] seconds between calls (0: unpaced); ARGV[2] longest wait.
# Returns {reserved (1/0), seconds to wait as text} (Lua numbers would be truncated).
_RESERVE = (
    _NOW
    + """
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
local not_before = tonumber(redis.call('HGET', KEYS[1], 'not_before') or '0')
local start = math.max(now, tat, not_before)
if start - now > tonumber(ARGV[2]) then
  return {0, tostring(start - now)}
end
local step = tonumber(ARGV[1])
if step > 0 then
  redis.call('HSET', KEYS[1], 'tat', tostring(start + step))
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return {1, tostring(start - now)}
"""
)

# KEYS[1] lane; ARGV[1] seconds to pause. A pause only ever extends the lane's pause.
_PAUSE = (
    _NOW
    + """
local paused_until = now + tonumber(ARGV[1])
local not_before = tonumber(redis.call('HGET', KEYS[1], 'not_before') or '0')
if paused_until > not_before then
  redis.call('HSET', KEYS[1], 'not_before', tostring(paused_until))
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""
)

_WAIT = (
    _NOW
    + """
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat') or '0')
local not_before = tonumber(redis.call('HGET', KEYS[1], 'not_before') or '0')
return tostring(math.max(0, tat - now, not_before - now))
"""
)


# KEYS[1] lane; ARGV[1] least seconds between two departures; ARGV[2] expiry. Returns the
# seconds still to wait, as text; "0" once this departure is recorded.
_DEPART = (
    _NOW
    + """
local due = tonumber(redis.call('HGET', KEYS[1], 'departed') or '0') + tonumber(ARGV[1])
if now < due then
  return tostring(due - now)
end
redis.call('HSET', KEYS[1], 'departed', tostring(now))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return '0'
"""
)


def server_name(url: str) -> str:
    """host:port (or the socket path) of a Redis URL, without its credentials."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


class _Warner:
    """Says that Redis cannot be reached, once in a while rather than once per call."""

    def __init__(self, url: str) -> None:
        self.server = server_name(url)
        self._warned_at = 0.0
        self._lock = threading.Lock()

    def _unreachable(self, error: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            if now - self._warned_at < WARN_EVERY_SECONDS:
                return
            self._warned_at = now
        log.warning(
            "Redis at %s (CONVENER_REDIS_URL) cannot be reached (%s): provider calls wait "
            "until it answers",
            self.server,
            type(error).__name__,
        )


class RedisLanes(_Warner):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        # Thread-safe: the client holds a pool, one connection per thread that needs one.
        self.client = redis.Redis.from_url(
            url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=30
        )
        self._reserve = self.client.register_script(_RESERVE)
        self._pause = self.client.register_script(_PAUSE)
        self._wait = self.client.register_script(_WAIT)

    def reserve(self, lane: str, interval: float, max_sleep: float) -> float | None:
        try:
            reserved, wait = self._reserve(
                keys=[PREFIX + lane], args=[repr(interval), repr(max_sleep), IDLE_EXPIRY_SECONDS]
            )
        except UNREACHABLE as error:
            self._unreachable(error)
            return None
        return float(wait) if int(reserved) else None

    def pause(self, lane: str, seconds: float) -> None:
        try:
            self._pause(keys=[PREFIX + lane], args=[repr(seconds), IDLE_EXPIRY_SECONDS])
        except UNREACHABLE as error:
            self._unreachable(error)

    def wait_hint(self, lane: str) -> float:
        try:
            return float(self._wait(keys=[PREFIX + lane]))
        except UNREACHABLE as error:
            self._unreachable(error)
            return UNREACHABLE_RETRY_SECONDS


class Departures(_Warner):
    """The lanes' last departures, for a worker's event loop (made on it, and used on it
    only: an asyncio client belongs to its loop)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.client = redis.asyncio.Redis.from_url(
            url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=30
        )
        self._depart = self.client.register_script(_DEPART)

    async def wait(self, lane: str, spacing: float) -> float:
        """0 once a call of the lane may leave now, recorded as its last departure; else
        the seconds until one may. Unreachable, Redis holds up nothing: the call has its
        slot already, booked when Redis answered."""
        try:
            return float(
                await self._depart(keys=[PREFIX + lane], args=[repr(spacing), IDLE_EXPIRY_SECONDS])
            )
        except UNREACHABLE as error:
            self._unreachable(error)
            return 0.0

    async def close(self) -> None:
        await self.client.aclose()
