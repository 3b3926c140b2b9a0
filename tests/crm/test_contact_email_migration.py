"""Upgrading a database that holds addresses differing only in case: `convener migrate`
refuses with a list of them, changes nothing, and succeeds once they are corrected."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.test_settings_and_cli import convener

INSERT_CONTACT = (
    "INSERT INTO crm_contact (email, first_name, last_name, company, timezone, fields,"
    " created_at, updated_at) VALUES (?, '', '', '', '', '{}', '2026-01-01', '2026-01-01')"
)


def test_migrate_lists_addresses_that_differ_only_in_case_and_changes_nothing(
    tmp_path: Path,
) -> None:
    env = {"CONVENER_DATA_DIR": str(tmp_path / "data")}
    before = convener("migrate", "crm", "0002", "--verbosity", "0", env=env)
    assert before.returncode == 0, before.stderr
    database = tmp_path / "data" / "convener.sqlite3"
    with sqlite3.connect(database) as db:
        for email in ["Bob@Example.org", "eve@example.org", "bob@example.org", "EVE@example.org"]:
            db.execute(INSERT_CONTACT, (email,))
        db.execute(INSERT_CONTACT, ("ann@example.org",))

    refused = convener("migrate", "--verbosity", "0", env=env)

    assert refused.returncode != 0
    assert "#1 Bob@Example.org, #3 bob@example.org" in refused.stderr
    assert "#2 eve@example.org, #4 EVE@example.org" in refused.stderr
    assert "ann@example.org" not in refused.stderr
    assert "Traceback" not in refused.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM crm_contact").fetchone() == (5,)
        db.execute("UPDATE crm_contact SET email = 'bob@example.com' WHERE id = 3")
        db.execute("DELETE FROM crm_contact WHERE id = 4")

    assert convener("migrate", "--verbosity", "0", env=env).returncode == 0
