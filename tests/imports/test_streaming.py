"""A big file is never in memory: the import reads it a chunk of rows at a time, and the
memory it needs does not grow with the number of rows (bench/bench_csv_import.py measures
100,000 rows in a real worker)."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path
from typing import Any, TextIO

import pytest
from django.test import Client

from convener.crm.models import Contact
from convener.imports import reading, run, storage, tasks
from convener.imports.models import ContactImport
from tests.imports.support import csv_bytes, uploaded

pytestmark = pytest.mark.django_db


def contacts_csv(count: int) -> bytes:
    rows = [["Email", "First name", "Last name", "Company", "Time zone"]]
    rows += [
        [f"person-{n:06d}@example.org", "Pat", f"Number {n}", "Bench Ltd", "Europe/Paris"]
        for n in range(count)
    ]
    return csv_bytes(rows)


def prepared(client: Client, count: int) -> ContactImport:
    job = uploaded(client, contacts_csv(count))
    tasks.queue(job)
    return job


def test_the_file_is_read_a_chunk_at_a_time(signed_in: Client, monkeypatch: Any) -> None:
    job = prepared(signed_in, 5000)
    size = storage.source_path(job.stored_as).stat().st_size
    opened: list[TextIO] = []
    original_open = reading.open_text

    def tracked_open(path: Path) -> TextIO:
        opened.append(original_open(path))
        return opened[-1]

    positions: list[int] = []
    original_commit = run.Chunks.commit

    def commit(self: run.Chunks, *args: Any) -> None:
        assert isinstance(opened[-1], io.TextIOWrapper)
        positions.append(opened[-1].buffer.tell())
        original_commit(self, *args)

    monkeypatch.setattr(reading, "open_text", tracked_open)
    monkeypatch.setattr(run.Chunks, "commit", commit)
    run.run_import(job.pk, job.run)

    assert Contact.objects.count() == 5000
    assert len(positions) == 5  # 1,000 rows per chunk
    # When the first chunk is written, the reader is a chunk (plus a read buffer) into
    # the file, not at its end.
    assert positions[0] < size / 3
    assert positions == sorted(positions)


def peak_bytes(client: Client, count: int) -> int:
    job = prepared(client, count)
    tracemalloc.start()
    try:
        run.run_import(job.pk, job.run)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert ContactImport.objects.get(pk=job.pk).status == "done"


def test_memory_does_not_grow_with_the_number_of_rows(signed_in: Client, monkeypatch: Any) -> None:
    monkeypatch.setattr(run, "CHUNK_ROWS", 500)
    small = peak_bytes(signed_in, 1500)
    Contact.objects.all().delete()
    large = peak_bytes(signed_in, 6000)
    print(f"peak: {small / 2**20:.2f} MiB for 1,500 rows, {large / 2**20:.2f} MiB for 6,000")
    # Four times the rows, the same chunk in hand: the addresses already read wait in the
    # database, not in memory.
    assert large < small * 1.25
