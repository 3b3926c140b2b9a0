"""Issue: "one Playwright flow with the browser in Europe/Paris: upload a CSV, map a column,
see a row error in the preview, import, see the report, and find an imported contact with
its time zone".

On a real `convener serve` (its own worker imports the file), asserted as a person sees it.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Screenshots, Server, log_in, new_context
from tests.e2e.test_content_security_policy import RECORD_VIOLATIONS, Violations
from tests.e2e.ui import fact, nav

pytestmark = pytest.mark.browser

IMPORT_TIMEOUT_MS = 30_000


@pytest.fixture
def paris(browser: Any, server: Server, shoot: Screenshots) -> Iterator[tuple[Page, Violations]]:
    """Signed in, in a browser whose own zone is Europe/Paris (the contacts' zones must
    come from the file, not from the browser)."""
    context = new_context(browser, server)
    context.close()
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1280, "height": 900},
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    try:
        log_in(page, server, shoot)
        yield page, Violations(page)
    finally:
        context.close()


def test_import_contacts_from_a_spreadsheet(
    paris: tuple[Page, Violations], shoot: Screenshots
) -> None:
    page, violations = paris
    tag = secrets.token_hex(3)
    # As a French spreadsheet saves it: a byte order mark and semicolons, and a company
    # name with a semicolon in quotes. "Firma" is a column name the import cannot guess.
    text = (
        "E-mail;Prénom;Nom;Firma;Fuseau horaire\r\n"
        f'lea.{tag}@example.fr;Léa;Martin;"Atelier Martin; Fils";Europe/Paris\r\n'
        f"sam.{tag}@example.com;Sam;Lee;Acme;EST\r\n"
        f"tom.{tag}@example.org;Tom;Baker;Baker & Co;America/Chicago\r\n"
    )

    nav(page, "Contacts")
    page.get_by_role("button", name="Import CSV").click()
    expect(page.get_by_role("heading", name="Import contacts", level=1)).to_be_visible()
    shoot(page, "import-upload")
    page.get_by_label("CSV file", exact=True).set_input_files(
        {
            "name": f"leads-{tag}.csv",
            "mimeType": "text/csv",
            "buffer": b"\xef\xbb\xbf" + text.encode(),
        }
    )
    page.get_by_role("button", name="Upload and choose columns").click()

    # The columns, guessed from their names but one.
    expect(page.get_by_role("heading", name=f"leads-{tag}.csv", level=1)).to_be_visible()
    expect(page.get_by_text("values separated by semicolons")).to_be_visible()
    expect(page.get_by_label("Import “E-mail” as")).to_have_value("email")
    expect(page.get_by_label("Import “Fuseau horaire” as")).to_have_value("timezone")
    firma = page.get_by_label("Import “Firma” as")
    expect(firma).to_have_value("")
    preview = page.locator("table.preview")
    expect(preview.locator("thead")).not_to_contain_text("Firma")
    shoot(page, "import-mapping")

    firma.select_option(label="Company")
    expect(preview.locator("thead")).to_contain_text("Firma")
    expect(preview.locator("tr[data-row='2']")).to_contain_text("Atelier Martin; Fils")
    expect(page.get_by_label("Import “Firma” as")).to_have_value("company")

    # The row with "EST" says what is wrong, next to its zone, before anything is saved.
    sam = preview.locator("tr[data-row='3']")
    expect(sam.locator(".badge")).to_have_text("Skipped")
    expect(sam.locator("td.cell-error")).to_contain_text(
        "EST is an abbreviation, not a place; use a city zone such as America/New_York"
    )
    expect(preview.locator("tr[data-row='2'] .badge")).to_have_text("New contact")
    shoot(page, "import-preview")
    violations.assert_none("the mapping page")

    page.get_by_role("button", name="Import 3 rows").click()

    # Progress, then the report, on the same page without a reload.
    status = page.get_by_role("region", name="Import status")
    expect(status).to_contain_text("The import is done: 3 rows read", timeout=IMPORT_TIMEOUT_MS)
    expect(page.locator("[data-count=created]")).to_have_text("2")
    expect(page.locator("[data-count=skipped]")).to_have_text("1")
    problems = page.locator("table.problems")
    expect(problems).to_contain_text("Fuseau horaire")
    expect(problems).to_contain_text("EST is an abbreviation")
    shoot(page, "import-report")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the report (CSV)").click()
    path = download_info.value.path()
    assert path is not None
    rows = csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig")))
    outcomes = {row["email"]: row["outcome"] for row in rows}
    assert outcomes == {
        f"lea.{tag}@example.fr": "created",
        f"sam.{tag}@example.com": "skipped",
        f"tom.{tag}@example.org": "created",
    }
    violations.assert_none("the progress and report")

    # The contact, with the zone from the file, not the browser's.
    nav(page, "Contacts")
    page.get_by_role("searchbox", name="Search", exact=True).fill(f"tom.{tag}")
    page.get_by_role("searchbox", name="Search", exact=True).press("Enter")
    page.get_by_role("link", name="Tom Baker", exact=True).click()
    expect(page.get_by_role("heading", name="Tom Baker", level=1)).to_be_visible()
    expect(fact(page, "Time zone")).to_have_text("America/Chicago")
    expect(fact(page, "Company")).to_have_text("Baker & Co")
    shoot(page, "imported-contact")
    assert re.search(r"/contacts/\d+/$", page.url)
