"""A token the worker can take from the connection row it read with the meeting, without
a trip to the database (`ready`), and when it cannot."""

from __future__ import annotations

import time

import pytest
from django.db import connection as database
from django.test.utils import CaptureQueriesContext

from convener.connections.models import Connection
from convener.connections.tokens import ConnectionTokenSource
from convener.team.models import User


def zoom_row(
    member: User, *, expires_in: float, status: str = Connection.Status.ACTIVE
) -> Connection:
    row = Connection(
        provider="zoom", level="user", user=member, account_email="a@x.io", status=status
    )
    row.secrets = {"access_token": "held", "expires_at": time.time() + expires_in}
    row.save()
    return row


@pytest.mark.django_db
def test_a_fresh_token_in_the_row_read_with_the_meeting_is_given_without_a_query(
    member: User,
) -> None:
    row = zoom_row(member, expires_in=3600)
    source = ConnectionTokenSource(row.pk, loaded=row)
    with CaptureQueriesContext(database) as queries:
        assert source.ready() == "held"
    assert len(queries) == 0
    assert source.ready() is None  # once: later calls read the row as it is then


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("expires_in", "status"),
    [(30, Connection.Status.ACTIVE), (3600, Connection.Status.NEEDS_RECONNECT)],
    ids=["about to expire", "needs reconnecting"],
)
def test_a_token_to_renew_or_a_row_to_read_again_is_left_to_token(
    member: User, expires_in: float, status: str
) -> None:
    row = zoom_row(member, expires_in=expires_in, status=status)
    assert ConnectionTokenSource(row.pk, loaded=row).ready() is None
    assert ConnectionTokenSource(row.pk).ready() is None  # nothing read: nothing held
