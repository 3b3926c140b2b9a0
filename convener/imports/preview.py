"""The preview of an import: the first rows of the file as the mapping reads them, each
with what the import would do and its problems next to the cells they are about. It reads
and decides exactly as the import does (as the uploader), and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

from convener.imports import reading, storage
from convener.imports.cells import RowReader
from convener.imports.decide import Outcome, SeenAddresses, decide
from convener.imports.mapping import MappingErrors, Target, check
from convener.imports.models import ContactImport

PREVIEW_ROWS = 20
SAMPLE_MAX = 80

OUTCOME_LABELS = {
    Outcome.CREATED: ("New contact", "good"),
    Outcome.UPDATED: ("Update", "busy"),
    Outcome.UNCHANGED: ("No change", "neutral"),
    Outcome.SKIPPED: ("Skipped", "bad"),
}


@dataclass
class Cell:
    value: str
    errors: list[str] = field(default_factory=list)


@dataclass
class Row:
    row: int
    label: str = ""
    tone: str = "neutral"
    cells: list[Cell] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the row, not one cell


@dataclass
class Column:
    index: int
    header: str
    target: str  # the chosen target's key, "" when left out
    sample: str  # the first value the preview rows have in this column
    error: str = ""


@dataclass
class Preview:
    columns: list[Column]
    rows: list[Row]
    mapping_errors: MappingErrors
    file_problem: str = ""

    @property
    def shown_columns(self) -> list[Column]:
        return [column for column in self.columns if column.target]


def _first_rows(job: ContactImport) -> list[tuple[int, list[str]]]:
    records = reading.rows(storage.source_path(job.stored_as), job.delimiter)
    return list(islice(((n, c) for n, c in records if not reading.is_blank(c)), PREVIEW_ROWS))


def build(job: ContactImport, choices: list[Target]) -> Preview:
    errors = check(job.mapping, choices)
    columns = [
        Column(index, header, job.mapping[index] if index < len(job.mapping) else "", "")
        for index, header in enumerate(job.headers)
    ]
    for index, message in errors.by_column.items():
        columns[index].error = message
    try:
        records = _first_rows(job)
    except FileNotFoundError:
        return Preview(columns, [], errors, "The uploaded file is gone; upload it again.")
    except reading.UnreadableFile as unreadable:
        return Preview(columns, [], errors, str(unreadable))
    for column in columns:
        column.sample = next(
            (
                cells[column.index].strip()[:SAMPLE_MAX]
                for _, cells in records
                if column.index < len(cells) and cells[column.index].strip()
            ),
            "",
        )
    shown = [column for column in columns if column.target]
    reader = RowReader(job.mapping, choices, len(job.headers))
    values = [reader.read(number, cells) for number, cells in records]
    # Nothing is decided before the mapping is whole: without the email column, every row
    # would look like a new contact.
    decisions = None if errors else decide(values, job.created_by, SeenAddresses())
    rows: list[Row] = []
    for position, (number, cells) in enumerate(records):
        row = Row(number)
        problems = decisions[position].problems if decisions else values[position].problems
        if decisions:
            row.label, row.tone = OUTCOME_LABELS[decisions[position].outcome]
        by_target: dict[str, list[str]] = {}
        for problem in problems:
            by_target.setdefault(problem.target, []).append(problem.message)
        row.cells = [
            Cell(
                cells[column.index].strip() if column.index < len(cells) else "",
                by_target.pop(column.target, []),
            )
            for column in shown
        ]
        row.errors = [message for messages in by_target.values() for message in messages]
        rows.append(row)
    return Preview(columns, rows, errors)
