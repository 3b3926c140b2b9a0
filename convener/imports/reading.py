"""Reading an uploaded CSV file: its layout (delimiter, column names, number of rows) and
then its rows, one record at a time, never the whole file at once.

Files come from spreadsheets: UTF-8 with or without the byte order mark Excel writes,
commas or (in much of Europe) semicolons, quoted values that may hold the delimiter, quotes
doubled inside them, and line breaks. Rows are numbered as the spreadsheet shows them: the
column names are row 1, and blank rows count, so "row 12" in a message is row 12 on screen.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from convener.plaintext import one_line

# UTF-8, with or without a byte order mark (which utf-8-sig drops when it is there).
ENCODING = "utf-8-sig"
DELIMITERS = (",", ";", "\t")
MAX_COLUMNS = 200
HEADER_MAX = 100
SAMPLE_CHARS = 64 * 1024


class UnreadableFile(Exception):
    """The file cannot be imported; the message says why, to the person who uploaded it."""


@dataclass(frozen=True)
class Layout:
    delimiter: str
    headers: list[str]
    total_rows: int  # rows after the column names, blank ones included


def open_text(path: Path) -> TextIO:
    # newline="": the csv module finds line ends itself, including inside quoted values.
    return path.open(encoding=ENCODING, newline="", errors="strict")


def _is_blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def _reader(text: Iterator[str] | TextIO, delimiter: str) -> Iterator[list[str]]:
    # strict: a stray quote is an error with a row number, not a silently merged value.
    return csv.reader(text, delimiter=delimiter, strict=True)


def detect_delimiter(sample: str) -> str:
    """The delimiter that splits the first non-blank line of `sample` into the most
    columns; commas when none splits it."""
    lines = sample.splitlines(keepends=True)
    best, widest = ",", 1
    for delimiter in DELIMITERS:
        try:
            header = next(
                (record for record in _reader(iter(lines), delimiter) if not _is_blank(record)),
                [],
            )
        except csv.Error:
            continue
        if len(header) > widest:
            best, widest = delimiter, len(header)
    return best


def _explain(error: csv.Error) -> str:
    text = str(error)
    if "expected after" in text:
        return (
            "a quoted value is followed by more text; a value with quotes in it must be "
            'quoted whole, with its own quotes doubled ("")'
        )
    if "unexpected end of data" in text or "EOF" in text:
        return "a quoted value is never closed"
    if "field larger than field limit" in text:
        return f"a value is longer than {csv.field_size_limit():,} characters"
    return text


def column_names(record: list[str]) -> list[str]:
    """Column names as people read them: trimmed, on one line, never empty."""
    return [
        one_line(name)[:HEADER_MAX] or f"Column {number}"
        for number, name in enumerate(record, start=1)
    ]


def rows(path: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each row after the column names; a blank row is included
    (its cells may be [] or empty strings) so that row numbers match the spreadsheet."""
    number = 0
    try:
        with open_text(path) as text:
            header_seen = False
            for record in _reader(text, delimiter):
                number += 1
                if not header_seen:
                    header_seen = not _is_blank(record)
                    continue
                yield number, record
    except csv.Error as error:
        raise UnreadableFile(f"Row {number + 1}: {_explain(error)}.") from None
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"Row {number + 1} is not UTF-8 text; save the file as “CSV UTF-8”."
        ) from None


def is_blank(cells: list[str]) -> bool:
    return _is_blank(cells)


def analyse(path: Path) -> Layout:
    """The file's delimiter, column names and number of rows, reading it once from start
    to end (so that a broken quote anywhere is found now, with its row, and not halfway
    through the import)."""
    try:
        with open_text(path) as text:
            sample = text.read(SAMPLE_CHARS)
    except UnicodeDecodeError:
        raise UnreadableFile(
            "The file is not UTF-8 text; save it from your spreadsheet as “CSV UTF-8”."
        ) from None
    if not sample.strip():
        raise UnreadableFile("The file is empty.")
    delimiter = detect_delimiter(sample)
    headers: list[str] = []
    header_row = number = 0
    try:
        with open_text(path) as text:
            for record in _reader(text, delimiter):
                number += 1
                if not headers and not _is_blank(record):
                    headers, header_row = column_names(record), number
    except csv.Error as error:
        raise UnreadableFile(f"Row {number + 1}: {_explain(error)}.") from None
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"Row {number + 1} is not UTF-8 text; save the file as “CSV UTF-8”."
        ) from None
    if len(headers) > MAX_COLUMNS:
        raise UnreadableFile(
            f"The first row has {len(headers)} columns; at most {MAX_COLUMNS} can be imported."
        )
    if number <= header_row:
        raise UnreadableFile(
            "The file has only one row. The first row must name the columns (such as "
            "“Email”), and each row after it is one contact."
        )
    return Layout(delimiter, headers, number - header_row)
