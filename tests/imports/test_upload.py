"""The upload page: a CSV file goes to the import directory, owner-only, as it arrives;
what is not a UTF-8 CSV file is refused with what to do, and nothing of it is kept."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from convener.crm.models import CustomField
from convener.imports.models import ContactImport
from tests.imports.support import csv_bytes, upload, uploaded

pytestmark = pytest.mark.django_db


def error_shown(response: Any) -> str:
    html = response.content.decode()
    assert 'data-field="file"' in html, html[:3000]
    return str(html.split('data-field="file"', 1)[1].split("</ul>", 1)[0])


def files_in(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


def test_the_contacts_page_links_to_the_import(signed_in: Client) -> None:
    html = signed_in.get("/contacts/").content.decode()
    assert 'href="/contacts/import/"' in html
    assert "Import CSV" in html


def test_an_upload_is_kept_owner_only_and_its_columns_are_guessed(
    signed_in: Client, import_dir: Path
) -> None:
    CustomField.objects.create(key="plan", label="Plan", kind="text")
    data = csv_bytes(
        [
            [
                *["E-mail address", "First Name", "Surname", "Organisation", "Owner"],
                *["Time zone", "Plan", "Notes"],
            ],
            ["ann@example.org", "Ann", "Lee", "Acme", "", "Europe/Paris", "Gold", "x"],
        ],
        bom=True,
    )
    job = uploaded(signed_in, data, name="Q3 leads.csv")
    assert job.file_name == "Q3 leads.csv"
    assert job.total_rows == 1
    assert job.mapping == [
        "email",
        "first_name",
        "last_name",
        "company",
        "owner",
        "timezone",
        "fields.plan",
        "",
    ]
    assert stat.S_IMODE(import_dir.stat().st_mode) == 0o700
    (stored,) = files_in(import_dir)
    assert stored.name == f"{job.stored_as}.csv"  # never the name the browser sent
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stored.read_bytes() == data


def test_the_mapping_page_shows_each_column_with_its_first_value(signed_in: Client) -> None:
    job = uploaded(signed_in, csv_bytes([["Email", "Zone"], ["ann@example.org", "Asia/Tokyo"]]))
    html = signed_in.get(f"/contacts/import/{job.pk}/").content.decode()
    assert "Choose what each column holds" in html
    assert "Asia/Tokyo" in html
    assert 'aria-label="Import “Zone” as"' in html
    assert "Import 1 row" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04rest-of-a-zip", "This is a workbook (.xlsx or .ods), not a CSV file."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "This is an old Excel workbook (.xls)"),
        ("email\nann@example.org\n".encode("utf-16"), "This file is UTF-16 text"),
        ("email,name\nzoe@example.org,Zoë\n".encode("latin-1"), "The file is not UTF-8 text"),
        (b"", "The file is empty."),
        (b"email,name\n", "The file has only one row."),
        (b'email,name\nann@example.org,"Ann\n', "Row 2: a quoted value is never closed."),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_and_not_kept(
    signed_in: Client, import_dir: Path, data: bytes, message: str
) -> None:
    response = upload(signed_in, data)
    assert response.status_code == 200
    assert message in error_shown(response)
    assert ContactImport.objects.count() == 0
    assert files_in(import_dir) == []


def test_a_file_over_the_size_limit_is_refused_while_it_arrives(
    signed_in: Client, import_dir: Path, settings: Any
) -> None:
    settings.IMPORT_MAX_BYTES = 2**20
    rows = [["email"]] + [[f"contact-{n:07d}@example.org"] for n in range(50_000)]
    response = upload(signed_in, csv_bytes(rows))
    assert "larger than 1 MB" in error_shown(response)
    assert files_in(import_dir) == []


def test_without_a_file_the_form_asks_for_one(signed_in: Client) -> None:
    response = signed_in.post("/contacts/import/", {})
    assert "Choose a CSV file to upload." in error_shown(response)


def test_a_member_who_may_not_add_contacts_cannot_upload(
    client: Client, member: Any, import_dir: Path
) -> None:
    member.groups.clear()
    client.force_login(member)
    response = upload(client, csv_bytes([["email"], ["ann@example.org"]]))
    assert response.status_code == 403
    assert "Adding contacts needs the permission" in response.content.decode()
    assert files_in(import_dir) == []


def test_the_upload_checks_the_csrf_token(member: Any, import_dir: Path) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = upload(client, csv_bytes([["email"], ["ann@example.org"]]))
    assert response.status_code == 403
    assert ContactImport.objects.count() == 0
    assert files_in(import_dir) == []


def test_column_names_in_other_languages_and_with_accents_are_guessed(signed_in: Client) -> None:
    data = csv_bytes(
        [
            ["Courriel", "Prénom", "Nom", "Société", "Fuseau horaire", "Firma"],
            ["lea@example.fr", "Léa", "Martin", "Atelier", "Europe/Paris", "x"],
        ],
        delimiter=";",
    )
    job = uploaded(signed_in, data)
    assert job.mapping == ["email", "first_name", "last_name", "company", "timezone", ""]
