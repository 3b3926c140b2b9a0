"""The per-row report of an import: one line per row of the file (blank rows aside) with
what became of it, written beside the upload as the import goes, so it has every row
however long the file is, and nothing of it waits in memory or in the database.

Each chunk's lines are written, flushed and synced before the chunk's transaction
commits, and the import row records how long the report was at that commit. A run that
resumes after a crash cuts the file back to that length first, so a row is never in the
report twice, nor missing.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from typing import BinaryIO

from convener.csvstream import cell
from convener.imports import storage
from convener.imports.decide import Decision, Outcome

HEADER = ["row", "email", "outcome", "column", "reason"]


def lines(decisions: Iterable[Decision], headers: dict[str, str]) -> bytes:
    """The report's lines for these decisions; `headers` names the column of each target,
    for the problems."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for decision in decisions:
        if decision.outcome == Outcome.BLANK:
            continue
        if decision.problems:
            for problem in decision.problems:
                writer.writerow(
                    [
                        decision.row,
                        cell(decision.email),
                        decision.outcome.value,
                        headers.get(problem.target, ""),
                        problem.message,
                    ]
                )
        else:
            writer.writerow([decision.row, cell(decision.email), decision.outcome.value, "", ""])
    return out.getvalue().encode()


def header_line() -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(HEADER)
    # A byte order mark, so that Excel reads the report as UTF-8.
    return "\ufeff".encode() + out.getvalue().encode()


class ReportWriter:
    """Appends to an import's report from the length its last commit recorded."""

    def __init__(self, token: str, committed: int) -> None:
        self.file: BinaryIO = storage.open_report(token)
        self.committed = committed
        if committed == 0:
            self.committed = self._write_at(0, header_line())

    def _write_at(self, offset: int, data: bytes) -> int:
        self.file.seek(offset)
        self.file.truncate()
        self.file.write(data)
        self.file.flush()
        os.fsync(self.file.fileno())
        return self.file.tell()

    def write(self, data: bytes) -> int:
        """Writes `data` after the committed part (dropping anything an uncommitted chunk
        left) and returns the new length, for the import row to record when it commits."""
        return self._write_at(self.committed, data)

    def committed_to(self, length: int) -> None:
        self.committed = length

    def close(self) -> None:
        self.file.close()
