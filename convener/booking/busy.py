"""A host's busy times at their calendar provider (Google freeBusy, Microsoft Graph
getSchedule), cached for a short while and asked with a short timeout.

A visitor waits for these while the page loads, so a slow provider must not hold the page
for the worker's long timeout, and a page seen by many visitors must not ask the
provider for each of them. When the provider cannot be asked, the host's times are
unknown: `BusyUnavailable` says why, and the page shows none of that host's times as free
rather than guess.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache

from convener.connections.clients import token_source
from convener.connections.configuration import provider_settings
from convener.connections.models import Connection
from convener.providers.base import Person, ProviderError
from convener.providers.http import BearerAuth, make_client
from convener.providers.recipe import ConnectedAccount
from convener.providers.registry import UnknownProvider, recipe
from convener.team.models import User

log = logging.getLogger(__name__)

Interval = tuple[datetime, datetime]


class BusyUnavailable(Exception):
    """The host's calendar could not be read; the message says why, in people's words."""


@dataclass(frozen=True)
class Calendar:
    connection: Connection
    provider_name: str


def calendars_of(users: list[User]) -> dict[int, Calendar]:
    """Each host's own connected account whose provider can tell busy times (the oldest,
    as every account choice reads them), in one query. A host without one is missing:
    Convener knows only its own meetings of them."""
    found: dict[int, Calendar] = {}
    recipes: dict[str, tuple[str, bool]] = {}
    for connection in Connection.objects.filter(
        user__in=users,
        level=Connection.Level.USER,
        status__in=[Connection.Status.ACTIVE, Connection.Status.NEEDS_RECONNECT],
    ).order_by("created_at", "pk"):
        if connection.provider not in recipes:
            try:
                known = recipe(connection.provider)
                recipes[connection.provider] = (known.name, known.capabilities.free_busy)
            except UnknownProvider:
                recipes[connection.provider] = ("", False)
        name, tells_busy = recipes[connection.provider]
        if tells_busy and connection.user_id is not None and connection.user_id not in found:
            found[connection.user_id] = Calendar(connection, name)
    return found


def _key(connection: Connection, start: datetime, end: datetime) -> str:
    return f"booking-busy:{connection.pk}:{start:%Y%m%d%H}:{end:%Y%m%d%H}"


def cached_busy(calendars: dict[int, Calendar], start: datetime, end: datetime) -> dict[int, Any]:
    """What the cache holds for these calendars (host id -> its entry), in one read."""
    keys = {host_id: _key(c.connection, start, end) for host_id, c in calendars.items()}
    held = cache.get_many(list(keys.values()))
    return {host_id: held[key] for host_id, key in keys.items() if key in held}


def provider_busy(
    user: User, calendar: Calendar, start: datetime, end: datetime, cached: Any = None
) -> list[Interval]:
    """The host's busy intervals between `start` and `end` at their calendar (`cached`
    when the cache had it); BusyUnavailable when it cannot be asked now."""
    connection = calendar.connection
    key = _key(connection, start, end)
    if cached is not None:
        if isinstance(cached, str):
            raise BusyUnavailable(cached)
        return [(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC)) for a, b in cached]
    try:
        if connection.status != Connection.Status.ACTIVE:
            raise BusyUnavailable(
                f"{calendar.provider_name} account {connection.account_email or ''} needs "
                "reconnecting, so its busy times cannot be read".replace("  ", " ")
            )
        busy = _ask(calendar, user, start, end)
    except BusyUnavailable as refused:
        cache.set(key, str(refused), settings.BOOKING_BUSY_FAILURE_CACHE_SECONDS)
        raise
    cache.set(
        key,
        [(a.timestamp(), b.timestamp()) for a, b in busy],
        settings.BOOKING_BUSY_CACHE_SECONDS,
    )
    return busy


def _ask(calendar: Calendar, user: User, start: datetime, end: datetime) -> list[Interval]:
    connection = calendar.connection
    found = recipe(connection.provider)
    grant = connection.grant
    # As convener.connections.clients builds a provider, with the booking pages' short
    # timeout: a visitor is waiting, the worker is not.
    http = make_client(
        found.api_url(provider_settings()),
        timeout=float(settings.BOOKING_BUSY_TIMEOUT_SECONDS),
        auth=BearerAuth(token_source(connection, user.email or None)),
    )
    account = ConnectedAccount(
        http=http,
        app_only=grant is not None and grant.app_only,
        default_host=connection.default_host_email if grant is not None else "",
    )
    try:
        with http:
            provider = found.build(account, provider_settings())
            intervals = provider.free_busy(Person(user.email or ""), start, end)
    except ProviderError as failed:
        log.info("busy times of connection %s not read: %s", connection.pk, failed)
        raise BusyUnavailable(
            f"{calendar.provider_name} did not tell the busy times ({failed})"
        ) from None
    except Exception as failed:  # a timeout, a refused connection: the provider is unreachable
        log.info("busy times of connection %s not read: %r", connection.pk, failed)
        raise BusyUnavailable(
            f"{calendar.provider_name} could not be reached to read the busy times"
        ) from None
    return [(i.start, i.end) for i in intervals]
