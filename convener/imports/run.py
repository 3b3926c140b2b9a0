"""The import itself, as the background task runs it: the file read one record at a time,
rows decided and written a chunk at a time, each chunk committed with the import's counts
and the length of its report, so that a crash loses at most the chunk in hand and a
resumed run goes on from the first row not committed.

Memory stays flat whatever the file's length: one chunk of rows and their contacts, and
the kept problems (at most PROBLEMS_KEPT). The addresses already read, which find a
repeated address in a later chunk, are kept in the database with the chunks
(`models.SeenAddress`), not in memory.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from itertools import islice

from django.db import IntegrityError, transaction
from django.utils import timezone

from convener.db import writes
from convener.imports import mapping, reading, storage
from convener.imports.cells import RowReader
from convener.imports.decide import Decision, Outcome, SeenAddresses, decide, fingerprint
from convener.imports.models import ContactImport, SeenAddress
from convener.imports.report import ReportWriter, lines

log = logging.getLogger("convener.imports")

CHUNK_ROWS = 1000
PROBLEMS_KEPT = 1000
# A chunk whose new addresses another request added meanwhile is decided again (those
# rows become updates); this many tries before the import stops with the reason.
CHUNK_TRIES = 3
Status = ContactImport.Status


class Replaced(Exception):
    """Another run holds the import now (it was resumed), or it was deleted: stop."""


class ImportStopped(Exception):
    """The import cannot go on; the message says why, to the person who started it."""


def _locked(pk: int, run: int) -> ContactImport:
    found = ContactImport.objects.select_for_update().filter(pk=pk).first()
    if found is None or found.run != run or found.status != Status.RUNNING:
        raise Replaced
    return found


def _claim(pk: int, run: int) -> ContactImport | None:
    with transaction.atomic():
        found = ContactImport.objects.select_for_update().filter(pk=pk).first()
        if found is None or found.run != run or found.status not in (Status.QUEUED, Status.RUNNING):
            return None
        now = timezone.now()
        found.status = Status.RUNNING
        found.started_at = found.started_at or now
        found.heartbeat_at = now
        found.save(update_fields=["status", "started_at", "heartbeat_at"])
        return found


def fail(pk: int, run: int, reason: str) -> None:
    """Mark the import stopped with `reason`, unless another run holds it."""
    with transaction.atomic():
        found = ContactImport.objects.select_for_update().filter(pk=pk).first()
        if found is None or found.run != run or not found.is_active:
            return
        found.status = Status.FAILED
        found.failure = reason
        found.finished_at = timezone.now()
        found.save(update_fields=["status", "failure", "finished_at"])


class Chunks:
    """Writes decided chunks: the contacts, the report lines and the import's progress in
    one transaction per chunk."""

    def __init__(self, job: ContactImport, run: int) -> None:
        self.pk = job.pk
        self.run = run
        self.headers = {key: job.headers[column] for column, key in enumerate(job.mapping) if key}
        self.report = ReportWriter(job.stored_as, job.report_bytes)

    def seen_before(self, emails: set[str]) -> SeenAddresses:
        """The addresses of earlier chunks among `emails`, with their first rows."""
        keys = {fingerprint(email) for email in emails}
        earlier = SeenAddress.objects.filter(contact_import=self.pk, fingerprint__in=keys)
        return SeenAddresses(dict(earlier.values_list("fingerprint", "row")))

    def commit(self, decisions: list[Decision], rows: int, seen: SeenAddresses) -> None:
        creates = [d.contact for d in decisions if d.outcome == Outcome.CREATED and d.contact]
        updates = [d.contact for d in decisions if d.outcome == Outcome.UPDATED and d.contact]
        changed = sorted(set().union(*(d.changed for d in decisions)))
        counts = Counter(d.outcome for d in decisions)
        found = [
            [d.row, self.headers.get(problem.target, ""), problem.message]
            for d in decisions
            for problem in d.problems
        ]
        data = lines(decisions, self.headers)
        now = timezone.now()
        with transaction.atomic():
            job = _locked(self.pk, self.run)
            writes.insert(creates)
            writes.update(updates, [*changed, "updated_at"])
            writes.insert_values(
                SeenAddress,
                ["contact_import", "fingerprint", "row"],
                ((self.pk, key, row) for key, row in seen.new.items()),
            )
            length = self.report.write(data)
            job.rows_done += rows
            job.created_contacts += counts[Outcome.CREATED]
            job.updated_contacts += counts[Outcome.UPDATED]
            job.unchanged_contacts += counts[Outcome.UNCHANGED]
            job.skipped_rows += counts[Outcome.SKIPPED]
            job.blank_rows += counts[Outcome.BLANK]
            room = max(0, PROBLEMS_KEPT - len(job.problems))
            job.problems = [*job.problems, *found[:room]]
            job.problems_not_kept += len(found) - len(found[:room])
            job.report_bytes = length
            job.heartbeat_at = now
            job.save(
                update_fields=[
                    "rows_done",
                    "created_contacts",
                    "updated_contacts",
                    "unchanged_contacts",
                    "skipped_rows",
                    "blank_rows",
                    "problems",
                    "problems_not_kept",
                    "report_bytes",
                    "heartbeat_at",
                ]
            )
        self.report.committed_to(length)

    def close(self) -> None:
        self.report.close()


def _records(job: ContactImport) -> Iterator[tuple[int, list[str]]]:
    source = storage.source_path(job.stored_as)
    if not source.exists():
        raise ImportStopped(
            "The uploaded file is no longer on the server that ran the import. With workers "
            "on several machines, CONVENER_IMPORT_DIR must be shared by all of them. Upload "
            "the file again."
        )
    return reading.rows(source, job.delimiter)


def _process(job: ContactImport, run: int) -> None:
    choices = mapping.targets()
    problems = mapping.check(job.mapping, choices)
    if problems:
        wrong = problems.general + sorted(set(problems.by_column.values()))
        raise ImportStopped(f"The column mapping no longer works: {' '.join(wrong)}")
    reader = RowReader(job.mapping, choices, len(job.headers))
    records = _records(job)
    # A resumed run goes on after the rows its predecessors committed.
    for _ in islice(records, job.rows_done):
        pass
    chunks = Chunks(job, run)
    try:
        while chunk := list(islice(records, CHUNK_ROWS)):
            values = [reader.read(row, cells) for row, cells in chunk]
            for attempt in range(1, CHUNK_TRIES + 1):
                seen = chunks.seen_before({v.email for v in values if v.email})
                decisions = decide(values, job.created_by, seen)
                try:
                    chunks.commit(decisions, len(chunk), seen)
                except IntegrityError:
                    if attempt == CHUNK_TRIES:
                        raise
                    continue
                break
    finally:
        chunks.close()


def _finish(pk: int, run: int) -> None:
    with transaction.atomic():
        job = _locked(pk, run)
        job.status = Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
        SeenAddress.objects.filter(contact_import=pk).delete()
        # The upload holds people's details and is not needed any more: the report stays.
        token = job.stored_as
        transaction.on_commit(lambda: storage.remove_source(token))


def run_import(pk: int, run: int) -> None:
    """Run (or resume) import `pk` as run number `run`; does nothing if the import is
    not waiting for that run."""
    job = _claim(pk, run)
    if job is None:
        return
    try:
        _process(job, run)
        _finish(pk, run)
    except Replaced:
        log.info("import %s: run %s was replaced, stopping", pk, run)
    except (ImportStopped, reading.UnreadableFile) as stopped:
        fail(pk, run, str(stopped))
    except Exception:
        log.exception("import %s stopped by an unexpected error", pk)
        done = ContactImport.objects.filter(pk=pk).values_list("rows_done", flat=True).first()
        fail(
            pk,
            run,
            f"An unexpected error stopped the import after {done or 0:,} rows (the server's "
            "log has the details). The rows before it are imported; “Continue the import” "
            "goes on from there.",
        )
