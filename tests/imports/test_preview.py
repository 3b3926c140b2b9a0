"""The mapping form and the preview: every change of a column's choice answers the form
again with the first rows as the import would read them, each problem under its cell."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from convener.crm.models import Contact
from convener.imports.models import ContactImport
from tests.imports.support import HTMX, csv_bytes, preview, uploaded

pytestmark = pytest.mark.django_db

ROWS = [
    ["Email", "Given", "Zone"],
    ["ann@example.org", "Ann", "Europe/Paris"],
    ["not-an-address", "Nobody", "CET"],
    ["cleo@example.org", "Cleo", ""],
]


def preview_row(html: str, row: int) -> str:
    match = re.search(rf'<tr data-row="{row}"[^>]*>(.*?)</tr>', html, re.S)
    assert match, f"row {row} is not in the preview"
    return match.group(1)


def cells(row_html: str) -> list[str]:
    """The text of each cell of a preview row, tags left out, spaces collapsed."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)
    ]


def test_each_row_says_what_will_happen_with_problems_under_their_cell(
    signed_in: Client, contact: Any
) -> None:
    rows = [*ROWS, [contact.email.upper(), "Robert", ""]]
    job = uploaded(signed_in, csv_bytes(rows))
    html = preview(signed_in, job, ["email", "first_name", "timezone"])
    assert cells(preview_row(html, 2)) == [
        "2",
        "New contact",
        "ann@example.org",
        "Ann",
        "Europe/Paris",
    ]
    bad = cells(preview_row(html, 3))
    assert bad[:2] == ["3", "Skipped"]
    assert bad[2] == "not-an-address “not-an-address” is not a valid email address."
    assert bad[4].startswith(
        "CET CET is an abbreviation, not a place; use a city zone such as Europe/Paris"
    )
    assert cells(preview_row(html, 5))[:2] == ["5", "Update"]
    # Nothing is saved by a preview.
    assert not Contact.objects.filter(email="ann@example.org").exists()
    assert Contact.objects.get(pk=contact.pk).first_name == "Bob"


def test_a_change_of_mapping_is_saved_and_the_form_answers_again(signed_in: Client) -> None:
    job = uploaded(signed_in, csv_bytes(ROWS))
    assert job.mapping == ["email", "", "timezone"]  # "Given" is not a name it knows
    html = preview(signed_in, job, ["email", "first_name", "timezone"])
    assert '<form id="import-mapping"' in html
    assert "<html" not in html  # the form alone, for htmx to swap in
    job.refresh_from_db()
    assert job.mapping == ["email", "first_name", "timezone"]
    assert "<th>Given</th>" in html


def test_without_an_email_column_the_form_says_it_is_required(signed_in: Client) -> None:
    job = uploaded(signed_in, csv_bytes(ROWS))
    html = preview(signed_in, job, ["", "first_name", "timezone"])
    assert "Choose the column that holds the email address: it is required." in html
    # Nothing is decided without the address: no row claims to be a new contact.
    assert "New contact" not in html
    response = signed_in.post(
        f"/contacts/import/{job.pk}/start/", {"column-0": "", "column-1": "first_name"}
    )
    assert response.status_code == 200
    assert "Choose the column that holds the email address" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ContactImport.Status.UPLOADED


def test_a_field_chosen_for_two_columns_is_marked_on_the_second(signed_in: Client) -> None:
    job = uploaded(signed_in, csv_bytes(ROWS))
    html = preview(signed_in, job, ["email", "first_name", "first_name"])
    error = html.split('id="column-2-error"', 1)[1].split("</ul>", 1)[0]
    assert (
        "First name is already imported from column 2; choose one column for each field." in error
    )
    assert 'id="column-1-error"' not in html


def test_the_preview_shows_the_first_twenty_rows(signed_in: Client) -> None:
    rows = [["email"]] + [[f"c{n}@example.org"] for n in range(30)]
    job = uploaded(signed_in, csv_bytes(rows))
    html = preview(signed_in, job)
    assert "Preview of the first 20 rows" in html
    assert 'data-row="21"' in html
    assert 'data-row="22"' not in html
    assert "Import 30 rows" in html


def test_once_started_the_preview_only_points_to_the_progress(
    signed_in: Client, django_capture_on_commit_callbacks: Any
) -> None:
    job = uploaded(signed_in, csv_bytes(ROWS))
    signed_in.post(f"/contacts/import/{job.pk}/start/", {"column-0": "email"})
    response = signed_in.post(f"/contacts/import/{job.pk}/preview/", {"column-0": ""}, headers=HTMX)
    assert "This import has started." in response.content.decode()
    job.refresh_from_db()
    assert job.mapping[0] == "email"
