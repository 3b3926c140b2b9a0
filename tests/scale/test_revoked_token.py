"""A host revokes Convener's access in the middle of a bulk run: that host's remaining
meetings wait (readably), the other hosts' go on, and everything completes once the host
reconnects, with no meeting made twice."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from convener.connections.models import Connection
from convener.meetings.models import Meeting, MeetingState
from convener.scheduling.request import ScheduleRequest
from convener.scheduling.schedule import schedule
from fakeproviders.harness import FakeServer
from tests.conftest import Inbox
from tests.connections.support import connect_through_oauth
from tests.scale.support import (
    TRANSIENT,
    Workers,
    assert_invited_once_each,
    assert_made_once_each,
    connect_zoom_hosts,
    contacts_for,
    describe_pipeline,
    fake,
    launch,
    owners_action,
    wait_until,
    worker_settings,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Within Zoom's 100 creates a host may make in a day, and only if a create refused on the
# revoked token gives its unit back: charged twice, the waiting meetings would run past
# 100 and wait for midnight instead of completing after the reconnect.
PER_HOST = 60
PACE = 3.0  # calls per second per connection: the run lasts long enough to cut into


def by_state(host: Any) -> dict[str, int]:
    from django.db.models import Count

    rows = Meeting.objects.filter(host=host).values_list("state").annotate(n=Count("pk")).order_by()
    return {str(state): int(n) for state, n in rows}


def test_a_token_revoked_mid_run_parks_that_hosts_meetings_until_reconnect_then_all_complete(
    client: Any,
    zoom: FakeServer,
    smtp_server: Inbox,
    workers: Callable[[dict[str, str]], Workers],
    settings: Any,
) -> None:
    hosts = connect_zoom_hosts(client, 2, requests_per_second=PACE)
    revoked, other = hosts
    contact_ids = contacts_for(hosts, 2 * PER_HOST)
    pool = workers(
        worker_settings(
            zoom,
            smtp_port=settings.EMAIL_PORT,
            CONVENER_PROVIDER_TIMEOUT_SECONDS="5",
        )
    )
    pool.start(1)
    action = owners_action("zoom")
    schedule(ScheduleRequest(action, contact_ids, launch(action, "r")))

    # Mid-run: some of the host's meetings are made, most are not yet.
    wait_until(
        lambda: (
            Meeting.objects.filter(host=revoked.user).exclude(provider_meeting_id="").count() >= 15
        ),
        timeout=90,
        what="the run under way",
        describe=describe_pipeline,
    )
    fake(zoom.url, "revoke", {"email": revoked.user.email})

    def settled() -> bool:
        counts = by_state(revoked.user)
        return (
            not TRANSIENT & set(counts)
            and by_state(other.user).get(MeetingState.INVITED, 0) == PER_HOST
        )

    wait_until(
        settled, timeout=120, what="settled after the revocation", describe=describe_pipeline
    )
    waiting = by_state(revoked.user).get(MeetingState.WAITING_CONNECTION, 0)
    made_before = by_state(revoked.user).get(MeetingState.INVITED, 0)
    print(f"\nrevoked after {made_before} of {PER_HOST}; {waiting} waiting for the reconnect")
    assert waiting > 0 and made_before + waiting == PER_HOST, by_state(revoked.user)
    connection = Connection.objects.get(pk=revoked.connection.pk)
    assert connection.status == Connection.Status.NEEDS_RECONNECT
    reasons = set(
        Meeting.objects.filter(state=MeetingState.WAITING_CONNECTION).values_list(
            "state_reason", flat=True
        )
    )
    assert all("reconnect" in reason for reason in reasons), reasons
    # The owner is told once, not once per waiting meeting.
    notices = smtp_server.to(revoked.user.email)
    assert [m["Subject"] for m in notices] == [f"Reconnect your zoom account {revoked.user.email}"]

    # Waiting means waiting: nothing is attempted while the account is disconnected.
    calls = fake(zoom.url, "calls")
    time.sleep(3)
    assert fake(zoom.url, "calls") == calls
    assert by_state(revoked.user).get(MeetingState.WAITING_CONNECTION, 0) == waiting

    client.force_login(revoked.user)
    answer = connect_through_oauth(client, "zoom", revoked.user.email)
    assert answer.status_code == 302
    wait_until(
        lambda: by_state(revoked.user).get(MeetingState.INVITED, 0) == PER_HOST,
        timeout=90,
        what="all invited after reconnecting",
        describe=describe_pipeline,
    )
    assert not pool.crashed(), pool.log_tail()
    pool.stop()

    meetings = list(Meeting.objects.order_by("pk"))
    assert_made_once_each(meetings, fake(zoom.url, "state"))
    assert_invited_once_each(meetings, smtp_server)
    assert Connection.objects.get(pk=revoked.connection.pk).status == Connection.Status.ACTIVE
