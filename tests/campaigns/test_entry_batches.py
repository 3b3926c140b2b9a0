"""A large segment entering a campaign on SQLite, one database writer at a time: the entry
commits batch after batch and leaves room between them, so another writer (the task
runner's threads, a person saving a contact) waits for a batch, never for the whole
entry; and each member enters exactly once however the batches fall. Real threads, each
with its own connection, on the test database's file."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, transaction

from convener.campaigns import engine, sources
from convener.campaigns.models import Journey, Step
from convener.crm.models import Contact
from convener.segments.models import Segment, SegmentMember
from convener.team.models import User
from tests.campaigns.support import campaign, field_update, segment_source
from tests.dates import utc, winter_day

NOW = utc(winter_day(), 8)
AUDIENCE = 10_000
BATCH = 1000  # ten batches: a write waits for one, a tenth of the entry


def static_segment(owner: User, size: int) -> Segment:
    """A static segment of `size` new contacts of `owner`."""
    Contact.objects.bulk_create(
        [Contact(email=f"m{n}@client.example", owner=owner) for n in range(size)],
        batch_size=2000,
    )
    segment = Segment.objects.create(name="Everyone", kind=Segment.Kind.STATIC, owner=owner)
    members = Contact.objects.values_list("pk", flat=True)
    SegmentMember.objects.bulk_create(
        [SegmentMember(segment=segment, contact_id=pk) for pk in members], batch_size=2000
    )
    return segment


@pytest.mark.django_db(transaction=True)
def test_a_second_writer_is_not_blocked_for_the_whole_entry(monkeypatch: Any) -> None:
    monkeypatch.setattr(engine, "CHUNK", BATCH)
    owner = User.objects.create_user("mara", "mara@example.com", "x")
    segment = static_segment(owner, AUDIENCE)
    bystander = Contact.objects.create(email="bystander@client.example", owner=owner)
    journey = campaign(owner)
    segment_source(journey, segment)
    field_update(journey, "stage", "new")
    field_update(journey, "stage", "warm", days=2)

    entering, finished = threading.Event(), threading.Event()
    waits: list[float] = []

    def other_writer() -> None:
        try:
            entering.wait(30)
            while not finished.is_set():
                began = time.monotonic()
                with transaction.atomic():
                    Contact.objects.filter(pk=bystander.pk).update(company=f"edit {len(waits)}")
                waits.append(time.monotonic() - began)
                time.sleep(0.01)
        finally:
            connection.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    began = time.monotonic()
    entering.set()
    try:
        entered = sources.sweep_segments(NOW)
        took = time.monotonic() - began
    finally:
        finished.set()
        writer.join(60)

    assert entered == AUDIENCE
    assert Journey.objects.count() == AUDIENCE
    assert Step.objects.count() == 2 * AUDIENCE
    assert len(waits) >= 5, f"the other writer got in {len(waits)} times in {took:.1f} s"
    assert max(waits) < took / 3, f"a write waited {max(waits):.2f} s of the {took:.2f} s entry"
    assert sources.sweep_segments(NOW) == 0  # nobody twice


@pytest.mark.django_db
def test_an_entry_cut_between_batches_goes_on_at_the_next_sweep_each_member_once(
    monkeypatch: Any,
) -> None:
    owner = User.objects.create_user("mara", "mara@example.com", "x")
    segment = static_segment(owner, 10)
    journey = campaign(owner)
    segment_source(journey, segment)
    field_update(journey, "stage", "new")
    monkeypatch.setattr(engine, "CHUNK", 4)
    real, batches = engine._steps_for, []

    def dies_in_the_second_batch(*args: Any) -> Any:
        batches.append(1)
        if len(batches) == 2:
            raise RuntimeError("the worker died")
        return real(*args)

    monkeypatch.setattr(engine, "_steps_for", dies_in_the_second_batch)
    assert sources.sweep_segments(NOW) == 0  # the sweep logs the failure and goes on
    assert Journey.objects.count() == 4  # the first batch stays committed
    monkeypatch.setattr(engine, "_steps_for", real)

    assert sources.sweep_segments(NOW) == 6
    assert sources.sweep_segments(NOW) == 0
    assert sorted(Journey.objects.values_list("contact_id", flat=True)) == sorted(
        Contact.objects.values_list("pk", flat=True)
    )
    assert Step.objects.values("contact_id").distinct().count() == Step.objects.count() == 10
