"""Reading a CSV file as spreadsheets write them: BOM or not, commas or semicolons, quoted
values with delimiters, quotes and line breaks in them, blank rows, and broken files
refused with the row to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from convener.imports.reading import Layout, UnreadableFile, analyse, rows


def write(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "file.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def read(path: Path) -> tuple[Layout, list[tuple[int, list[str]]]]:
    layout = analyse(path)
    return layout, list(rows(path, layout.delimiter))


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    layout, found = read(write(tmp_path, "Email,Name\r\nann@example.org,Ann\r\n", bom=True))
    assert layout.headers == ["Email", "Name"]
    assert found == [(2, ["ann@example.org", "Ann"])]


def test_the_same_file_without_a_byte_order_mark_reads_the_same(tmp_path: Path) -> None:
    layout, found = read(write(tmp_path, "Email,Name\nann@example.org,Ann\n"))
    assert layout == Layout(",", ["Email", "Name"], 1)
    assert found == [(2, ["ann@example.org", "Ann"])]


def test_semicolons_are_found_even_when_values_hold_commas(tmp_path: Path) -> None:
    text = "E-mail;Nom;Société\nann@example.org;Lee, Ann;Acme, Inc.\n"
    layout, found = read(write(tmp_path, text, bom=True))
    assert layout.delimiter == ";"
    assert layout.headers == ["E-mail", "Nom", "Société"]
    assert found == [(2, ["ann@example.org", "Lee, Ann", "Acme, Inc."])]


def test_quoted_values_keep_delimiters_doubled_quotes_and_line_breaks(tmp_path: Path) -> None:
    text = (
        "email,company,note\r\n"
        'ann@example.org,"Acme, Inc.","She said ""hi""\r\non two lines"\r\n'
        "bob@example.org,Bobco,plain\r\n"
    )
    layout, found = read(write(tmp_path, text))
    assert layout.total_rows == 2
    assert found == [
        (2, ["ann@example.org", "Acme, Inc.", 'She said "hi"\r\non two lines']),
        # One record per spreadsheet row, even when a value spans two lines of the file.
        (3, ["bob@example.org", "Bobco", "plain"]),
    ]


def test_blank_rows_are_kept_so_that_row_numbers_match_the_spreadsheet(tmp_path: Path) -> None:
    text = "\nemail\n\nann@example.org\n,\nbob@example.org\n"
    layout, found = read(write(tmp_path, text))
    assert layout.headers == ["email"]
    assert layout.total_rows == 4
    assert found == [(3, []), (4, ["ann@example.org"]), (5, ["", ""]), (6, ["bob@example.org"])]


def test_column_names_are_trimmed_and_an_empty_one_gets_a_name(tmp_path: Path) -> None:
    layout = analyse(write(tmp_path, " Email ,,Phone\nann@example.org,x,1\n"))
    assert layout.headers == ["Email", "Column 2", "Phone"]


def test_a_tab_separated_file_is_read_too(tmp_path: Path) -> None:
    layout, found = read(write(tmp_path, "email\tname\nann@example.org\tAnn\n"))
    assert layout.delimiter == "\t"
    assert found == [(2, ["ann@example.org", "Ann"])]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("\n\n  \n", "The file is empty."),
        ("email,name\n", "The file has only one row."),
        (
            'email,name\nann@example.org,Ann\nbob@example.org,"Bob\n',
            "Row 3: a quoted value is never closed.",
        ),
        (
            'email,name\nann@example.org,"Ann" Lee\n',
            "Row 2: a quoted value is followed by more text",
        ),
    ],
)
def test_a_file_that_cannot_be_imported_says_why_and_where(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(UnreadableFile) as refused:
        analyse(write(tmp_path, text))
    assert str(refused.value).startswith(message)


def test_a_file_with_too_many_columns_is_refused(tmp_path: Path) -> None:
    header = ",".join(f"c{n}" for n in range(201))
    with pytest.raises(UnreadableFile, match="201 columns; at most 200"):
        analyse(write(tmp_path, f"{header}\n{'x,' * 200}x\n"))


def test_bytes_that_are_not_utf_8_are_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("email,name\nann@example.org,Zoë\n".encode("latin-1"))
    with pytest.raises(UnreadableFile, match="CSV UTF-8"):
        analyse(path)


def test_rows_are_read_one_at_a_time(tmp_path: Path) -> None:
    text = "email\n" + "".join(f"c{n}@example.org\n" for n in range(50_000))
    reader = rows(write(tmp_path, text), ",")
    assert next(reader) == (2, ["c0@example.org"])
    # Nothing forced the rest of the file: the generator holds one record.
    assert next(reader) == (3, ["c1@example.org"])
