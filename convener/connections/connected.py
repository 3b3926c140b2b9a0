"""Work that waits for an account: a calendar event or a booking left without a meeting
because nobody had an account of its provider is tried again when one is connected or
reconnected. `when_connected` makes the post_save receiver of Connection that each of
them registers, with the same cheap checks, so a token refresh (which saves the row too)
tries nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.db import transaction

from convener.connections.models import Connection

Receiver = Callable[..., None]


def when_connected(retry: Callable[[int], object], *, levels: Collection[str]) -> Receiver:
    """A post_save receiver that calls `retry(connection_id)` once the save has committed,
    when the saved account is active, of one of `levels`, and was connected or changed
    status (a reconnect), not merely given a fresh token."""

    def on_saved(sender: Any, instance: Connection, created: bool, **kwargs: Any) -> None:
        if instance.level not in levels or instance.status != Connection.Status.ACTIVE:
            return
        fields = kwargs.get("update_fields")
        if not created and fields is not None and "status" not in fields:
            return
        pk = instance.pk
        transaction.on_commit(lambda: retry(pk))

    return on_saved
